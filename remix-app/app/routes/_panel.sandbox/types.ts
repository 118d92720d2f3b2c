// Plain data the loader hands to the page's components (shared by server and client, so no .server suffix).

/** An inline button as the acting user can use it: press a callback, follow a link to a chat or to the bot, or just a link. */
export type ButtonView =
  | { readonly kind: "press"; readonly text: string; readonly data: string }
  | { readonly kind: "join"; readonly text: string; readonly url: string; readonly chat: string; readonly member: boolean; readonly approval: boolean }
  | { readonly kind: "start"; readonly text: string; readonly url: string; readonly payload: string }
  | { readonly kind: "link"; readonly text: string; readonly url: string }

export interface ChatMessage {
  readonly id: number
  readonly from: string
  readonly byBot: boolean
  readonly deleted: boolean
  readonly text: string
  readonly at: number
  readonly buttons: ReadonlyArray<ReadonlyArray<ButtonView>>
}

export interface ChatRow {
  readonly id: number
  readonly title: string
  readonly kind: "group" | "channel"
  readonly username: string | null
  readonly status: string
  /** In the chat (a restricted member who left keeps status "restricted" but is not in it). */
  readonly member: boolean
  /** A join request of the acting user waits for the bot's answer. */
  readonly requested: boolean
}

export interface CallRow {
  readonly seq: number
  readonly at: string
  readonly method: string
  readonly ok: boolean
  readonly error: string | null
  readonly chat: string | null
  readonly user: string | null
}

export interface Person {
  readonly id: number
  readonly name: string
}

/** Hidden fields every form of the page carries: who acts, and in which group. */
export interface Actor {
  readonly as: Person
  readonly groupId: number | null
}
