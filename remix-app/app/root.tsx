import type { LinksFunction, MetaFunction } from "@remix-run/node"
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from "@remix-run/react"
import type { ReactNode } from "react"
import { ProblemView } from "./components/ProblemView.js"
import { useNonce } from "./nonce.js"
import styles from "./styles.css?url"

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "data:," }
]

export const meta: MetaFunction = () => [{ title: "Nezuko" }, { name: "color-scheme", content: "light dark" }]

export function Layout({ children }: { readonly children: ReactNode }) {
  const nonce = useNonce()
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary() {
  return (
    <main className="centered">
      <ProblemView />
    </main>
  )
}
