import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react"
import { useEffect } from "react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { sandboxAction, sandboxPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Sandbox · Nezuko" }]

export const loader = effectLoader("use:sandbox:any", sandboxPage)
export const action = effectAction("use:sandbox:any", sandboxAction, (form) => `sandbox.${String(form.get("intent") ?? "act")}`)

const time = (s: number) => new Date(s * 1000).toLocaleTimeString("en-GB")

export default function SandboxPage() {
  const { as, calls, chats, messages, people, restricted } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly error?: string }>()
  const revalidator = useRevalidator()
  // The bot answers asynchronously: refresh the chat and the timeline every 2 s while the page is open.
  useEffect(() => {
    const timer = setInterval(() => { if (revalidator.state === "idle" && document.visibilityState === "visible") revalidator.revalidate() }, 2_000)
    return () => clearInterval(timer)
  }, [revalidator])
  const hidden = <><CsrfInput /><input type="hidden" name="as" value={as.id} /></>
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sandbox</h1>
      <p className="muted">A simulated Telegram with the demo group and channels. Act as a demo user and watch Nezuko respond.</p>
      <nav className="tabs" aria-label="Act as">
        {people.map((p) => <Link key={p.id} to={`?as=${p.id}`} aria-current={p.id === as.id ? "page" : undefined}>{p.name}</Link>)}
      </nav>
      {result?.error ? <p className="field-error" role="alert">{result.error}</p> : null}
      <div className="two-columns">
        <section className="card" aria-labelledby="chat-title">
          <h2 id="chat-title">Demo Group, as {as.name} {restricted ? <span className="pill pill-broken">muted</span> : null}</h2>
          <ol className="chat" aria-live="polite">
            {messages.length === 0 ? <li className="muted">No messages yet.</li> : messages.map((m) => (
              <li key={m.id} className={`${m.byBot ? "bot" : ""} ${m.deleted ? "deleted" : ""}`}>
                <span className="muted">{time(m.at)} {m.from}{m.deleted ? " · deleted" : ""}</span>
                <p>{m.text}</p>
                {!m.deleted && m.buttons.length > 0 ? (
                  <div className="buttons">
                    {m.buttons.flat().map((b, i) => b.data !== null ? (
                      <Form method="post" key={i} className="inline">
                        {hidden}<input type="hidden" name="message" value={m.id} /><input type="hidden" name="data" value={b.data} />
                        <button type="submit" name="intent" value="press">{b.text}</button>
                      </Form>
                    ) : <a key={i} className="button-link" href={b.url ?? "#"} rel="noreferrer">{b.text}</a>)}
                  </div>
                ) : null}
              </li>
            ))}
          </ol>
          <Form method="post" className="inline-form">
            {hidden}
            <label className="grow">Message <input name="text" maxLength={1000} required placeholder={`Say something as ${as.name}`} /></label>
            <button type="submit" name="intent" value="send">Send</button>
          </Form>
        </section>
        <section className="card" aria-labelledby="member-title">
          <h2 id="member-title">{as.name}'s memberships</h2>
          <ul className="list">
            {chats.map((c) => (
              <li key={c.id} className="row-between">
                <span>{c.title} <span className="muted">{c.status}</span></span>
                <Form method="post" className="inline">
                  {hidden}<input type="hidden" name="chat" value={c.id} />
                  {["left", "kicked"].includes(c.status)
                    ? <button type="submit" name="intent" value="join">Join</button>
                    : <button type="submit" name="intent" value="leave" className="secondary">Leave</button>}
                </Form>
              </li>
            ))}
          </ul>
          <Form method="post">{hidden}<button type="submit" name="intent" value="reset" className="secondary">Reset demo</button></Form>
        </section>
      </div>
      <section className="card" aria-labelledby="calls-title">
        <h2 id="calls-title">Bot API calls (newest first)</h2>
        {calls.length === 0 ? <p className="muted">The bot has made no calls yet.</p> : (
          <ol className="log">
            {calls.map((c) => (
              <li key={c.seq} className={c.ok ? "" : "log-error"}>
                <time>{c.at.slice(11, 23)}</time> <strong>{c.method}</strong>{c.chat ? ` chat ${c.chat}` : ""}{c.user ? ` user ${c.user}` : ""}{c.ok ? "" : ` — ${c.error ?? "failed"}`}
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  )
}
