import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react"
import { ProblemView } from "../../components/ProblemView.js"
import { effectLoader } from "../../effect.server.js"
import { layout } from "./programs.server.js"

export const loader = effectLoader("read:panel:any", layout)

const roleLabel = { owner: "Owner", admin: "Admin", viewer: "Viewer" } as const

export default function PanelLayout() {
  const { csrfToken, me, nav, sandboxMode } = useLoaderData<typeof loader>()
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <a className="brand" href="/dashboard">Nezuko{sandboxMode ? <span className="badge">sandbox</span> : null}</a>
        <div className="who">
          <span className="who-name">{me.displayName ?? me.email}</span>
          <span className="role" data-role={me.role}>{roleLabel[me.role]}</span>
          <Form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={csrfToken} />
            <button type="submit" className="link-button">Sign out</button>
          </Form>
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {nav.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} prefetch="intent">{item.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content">
        <Outlet />
      </main>
    </div>
  )
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <ProblemView />
    </main>
  )
}
