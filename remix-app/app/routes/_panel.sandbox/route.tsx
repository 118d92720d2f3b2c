import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react"
import { useEffect } from "react"
import { effectAction, effectLoader } from "../../effect.server.js"
import { ActorFields } from "./ActorFields.js"
import { CallTimeline } from "./CallTimeline.js"
import { ChatLog } from "./ChatLog.js"
import { Memberships } from "./Memberships.js"
import { sandboxAction, sandboxPage } from "./programs.server.js"
import { SendForm } from "./SendForm.js"

export const meta: MetaFunction = () => [{ title: "Sandbox · Nezuko" }]

export const loader = effectLoader("use:sandbox:any", sandboxPage)
export const action = effectAction("use:sandbox:any", sandboxAction, (form) => `sandbox.${String(form.get("intent") ?? "act")}`)

export default function SandboxPage() {
  const { as, bot, calls, chats, group, groups, people, privateMessages, restricted } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly error?: string }>()
  const revalidator = useRevalidator()
  // The bot answers asynchronously: refresh the chats and the timeline every 2 s while the page is open.
  useEffect(() => {
    const timer = setInterval(() => { if (revalidator.state === "idle" && document.visibilityState === "visible") revalidator.revalidate() }, 2_000)
    return () => clearInterval(timer)
  }, [revalidator])
  const actor = { as, groupId: group?.id ?? null }
  const groupParam = group === null ? "" : `&group=${group.id}`
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sandbox</h1>
      <p className="muted">A simulated Telegram with the demo group and channels. Act as a demo user and watch {bot.name} respond.</p>
      <nav className="tabs" aria-label="Act as">
        {people.map((p) => <Link key={p.id} to={`?as=${p.id}${groupParam}`} aria-current={p.id === as.id ? "page" : undefined}>{p.name}</Link>)}
      </nav>
      {groups.length > 1 ? (
        <nav className="tabs" aria-label="Group">
          {groups.map((g) => <Link key={g.id} to={`?as=${as.id}&group=${g.id}`} aria-current={g.id === group?.id ? "page" : undefined}>{g.title}</Link>)}
        </nav>
      ) : null}
      {result?.error ? <p className="field-error" role="alert">{result.error}</p> : null}
      <div className="two-columns">
        {group === null ? <p className="muted">The sandbox has no group.</p> : (
          <section className="card" id="group-chat" aria-labelledby="chat-title">
            <h2 id="chat-title">{group.title}, as {as.name} {restricted ? <span className="pill pill-broken">muted</span> : null}</h2>
            <ChatLog actor={actor} chatId={group.id} messages={group.messages} empty="No messages yet." />
            <SendForm actor={actor} chatId={group.id} label="Send" placeholder={`Say something as ${as.name}`} />
          </section>
        )}
        <section className="card" id="private-chat" aria-labelledby="private-title">
          <h2 id="private-title">{as.name}'s private chat with {bot.name}</h2>
          <ChatLog actor={actor} chatId={as.id} messages={privateMessages} empty={`${as.name} has not opened the bot yet: ${bot.name} can write only after /start or a join request.`} />
          <Form method="post" className="inline">
            <ActorFields actor={actor} />
            <button type="submit" name="intent" value="start" className="secondary">/start</button>
          </Form>
          <SendForm actor={actor} chatId={as.id} label="Send privately" placeholder={`Write to ${bot.name} as ${as.name}`} />
        </section>
      </div>
      <section className="card" id="memberships" aria-labelledby="member-title">
        <h2 id="member-title">{as.name}'s memberships</h2>
        <Memberships actor={actor} chats={chats} />
        <Form method="post"><ActorFields actor={actor} /><button type="submit" name="intent" value="reset" className="secondary">Reset demo</button></Form>
      </section>
      <section className="card" aria-labelledby="calls-title">
        <h2 id="calls-title">Bot API calls (newest first)</h2>
        <CallTimeline calls={calls} />
      </section>
    </section>
  )
}
