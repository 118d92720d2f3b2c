import { useEffect, useRef, useState } from "react"

export interface Entry { readonly ts: string; readonly level: string; readonly msg: string; readonly seq?: number; readonly [field: string]: unknown }

const pauseLimit = 1_000
const shown = 2_000
const core = new Set(["ts", "level", "msg", "seq", "service", "instance", "correlation_id", "request_id", "chat_id", "user_id", "env", "version"])

/**
 * PANEL-12's live view: EventSource with back-off 1 s → 30 s and a "disconnected" banner, pause that buffers
 * up to 1 000 entries (the oldest dropped beyond that, with a notice), clear, auto-scroll, correlation-id filter.
 */
export function LiveLog({ initial, level, q }: { readonly initial: ReadonlyArray<Entry>; readonly level: string; readonly q: string }) {
  const [entries, setEntries] = useState<ReadonlyArray<Entry>>(initial)
  const [paused, setPaused] = useState(false)
  const [buffer, setBuffer] = useState<ReadonlyArray<Entry>>([])
  const [dropped, setDropped] = useState(0)
  const [connected, setConnected] = useState(true)
  const [autoScroll, setAutoScroll] = useState(true)
  const [filter, setFilter] = useState(q)
  const pausedRef = useRef(paused)
  pausedRef.current = paused
  const bottom = useRef<HTMLDivElement>(null)

  useEffect(() => {
    let source: EventSource | undefined
    let delay = 1_000
    let timer: ReturnType<typeof setTimeout> | undefined
    let lastSeq = initial.at(-1)?.seq ?? 0
    const connect = () => {
      source = new EventSource(`/api/v1/logs/stream?${new URLSearchParams({ level, q: filter }).toString()}`)
      source.onopen = () => { setConnected(true); delay = 1_000 }
      source.addEventListener("log", (event) => {
        const entry = JSON.parse((event as MessageEvent<string>).data) as Entry
        if ((entry.seq ?? 0) <= lastSeq) return
        lastSeq = entry.seq ?? lastSeq
        if (pausedRef.current) {
          setBuffer((b) => {
            if (b.length < pauseLimit) return [...b, entry]
            setDropped((d) => d + 1)
            return [...b.slice(1), entry]
          })
        } else setEntries((e) => [...e, entry].slice(-shown))
      })
      source.onerror = () => {
        setConnected(false)
        source?.close()
        timer = setTimeout(connect, delay)
        delay = Math.min(delay * 2, 30_000)
      }
    }
    connect()
    return () => { source?.close(); if (timer) clearTimeout(timer) }
  }, [level, filter, initial])

  useEffect(() => { if (autoScroll && !paused) bottom.current?.scrollIntoView({ block: "end" }) }, [entries, autoScroll, paused])

  const resume = () => { setEntries((e) => [...e, ...buffer].slice(-shown)); setBuffer([]); setDropped(0); setPaused(false) }
  return (
    <div>
      {!connected ? <p className="field-error" role="alert">Disconnected from the log stream; reconnecting…</p> : null}
      <div className="bulk-actions">
        {paused ? <button type="button" onClick={resume}>Resume ({buffer.length} buffered)</button> : <button type="button" onClick={() => setPaused(true)}>Pause</button>}
        <button type="button" className="secondary" onClick={() => setEntries([])}>Clear</button>
        <label className="radio"><input type="checkbox" checked={autoScroll} onChange={(e) => setAutoScroll(e.target.checked)} /> Auto-scroll</label>
        {filter !== q ? <button type="button" className="secondary" onClick={() => setFilter(q)}>Clear correlation filter</button> : null}
        {dropped > 0 ? <span className="field-error">{dropped} older entries dropped while paused</span> : null}
      </div>
      <ol className="log" aria-live="off">
        {entries.map((e, i) => {
          const correlation = typeof e.correlation_id === "string" ? e.correlation_id : typeof e.request_id === "string" ? e.request_id : null
          const extra = Object.entries(e).filter(([k]) => !core.has(k))
          return (
            <li key={`${e.seq ?? i}-${i}`} className={`log-${e.level.toLowerCase()}`}>
              <time>{e.ts.slice(11, 23)}</time> <span className="log-level">{e.level}</span> <span className="muted">{String(e.service ?? "")}@{String(e.instance ?? "")}</span>{" "}
              <span className="log-msg">{e.msg}</span>
              {correlation ? <> <button type="button" className="link-button" onClick={() => setFilter(correlation)}>{correlation}</button></> : null}
              {e.chat_id !== undefined ? <span className="muted"> chat {String(e.chat_id)}</span> : null}
              {e.user_id !== undefined ? <span className="muted"> user {String(e.user_id)}</span> : null}
              {extra.length > 0 ? <span className="muted"> {extra.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")}</span> : null}
            </li>
          )
        })}
      </ol>
      <div ref={bottom} />
    </div>
  )
}
