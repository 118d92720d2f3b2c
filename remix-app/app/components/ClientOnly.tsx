import { type ReactNode, useEffect, useState } from "react"

/** Renders `children` only after hydration: recharts draws nothing useful on the server (STACK.md §7). */
export function ClientOnly({ children, fallback }: { readonly children: () => ReactNode; readonly fallback: ReactNode }) {
  const [mounted, setMounted] = useState(false)
  useEffect(() => setMounted(true), [])
  return <>{mounted ? children() : fallback}</>
}
