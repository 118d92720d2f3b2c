import { useRouteLoaderData } from "@remix-run/react"

/** The hidden `_csrf` field every form of the signed-in panel carries (SEC-7). */
export function CsrfInput() {
  const data = useRouteLoaderData<{ readonly csrfToken: string }>("routes/_panel")
  return <input type="hidden" name="_csrf" value={data?.csrfToken ?? ""} />
}
