import { createContext, useContext } from "react"

/** The CSP nonce of the current request (SEC-10), from entry.server.tsx; empty in the browser. */
export const NonceContext = createContext("")
export const useNonce = () => useContext(NonceContext)
