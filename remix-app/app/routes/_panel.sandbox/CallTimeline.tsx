import type { CallRow } from "./types.js"

/** Every Bot API call Nezuko made to the sandbox, newest first. */
export function CallTimeline({ calls }: { readonly calls: ReadonlyArray<CallRow> }) {
  if (calls.length === 0) return <p className="muted">The bot has made no calls yet.</p>
  return (
    <ol className="log">
      {calls.map((c) => (
        <li key={c.seq} className={c.ok ? "" : "log-error"}>
          <time>{c.at.slice(11, 23)}</time> <strong>{c.method}</strong>{c.chat ? ` chat ${c.chat}` : ""}{c.user ? ` user ${c.user}` : ""}{c.ok ? "" : ` — ${c.error ?? "failed"}`}
        </li>
      ))}
    </ol>
  )
}
