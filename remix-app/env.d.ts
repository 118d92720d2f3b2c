/// <reference types="@remix-run/node" />
/// <reference types="vite/client" />

declare module "@remix-run/node" {
  /** What server/pipeline.ts hands every loader and action (see app/request.server.ts). */
  interface AppLoadContext {
    readonly requestId: string
    readonly nonce: string
    readonly ip: string | null
    /** Set-Cookie values the pipeline appends to the response, whatever Remix does with headers. */
    readonly responseCookies: Array<string>
  }
}

export {}
