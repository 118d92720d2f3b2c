import type { ChatId, UserId } from "@nezuko/domain"
import { callbackData } from "@nezuko/domain"
import type { InlineKeyboardButton } from "grammy/types"
import { joinUrl, type LinkedChannel } from "./GroupDirectory.js"
import type { SettingsValues } from "@nezuko/domain"
import { channelLabel, mention, text, type TextKey } from "./Texts.js"

export type PromptTemplate = "prompt.message" | "prompt.join" | "prompt.leave"

const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join("")}…` : s)

/** One URL button per missing channel that has a link (none for a channel without one), then the verify button. Button texts are plain text, never HTML: nothing in them is escaped. */
export const promptKeyboard = (missing: ReadonlyArray<LinkedChannel>, verifyData: string, settings: SettingsValues): Array<Array<InlineKeyboardButton>> => [
  ...missing.flatMap((c) => {
    const url = joinUrl(c)
    return url ? [[{ text: text("prompt.join_button", { title: cut(c.title, 24) }, { markup: ["title"] }), url }]] : []
  }),
  [{ text: settings.buttonText ?? text("prompt.button"), callback_data: verifyData }]
]

/**
 * A group message addressed to one user, with the placeholders every admin-editable text may use (BOT-26,
 * BOT-32): {mention}, {first_name}, {group}, {channels}.
 */
export const groupText = (
  key: TextKey,
  to: { readonly groupTitle: string; readonly user: { readonly id: UserId; readonly firstName: string } },
  channels: ReadonlyArray<LinkedChannel>,
  language: string,
  override: string | null
) =>
  text(key, {
    mention: mention(to.user.id, to.user.firstName),
    first_name: to.user.firstName,
    group: to.groupTitle,
    channels: channels.map(channelLabel).join(", ")
  }, { language, override })

/** The prompt of BOT-26: the user mentioned, every missing channel by title, join buttons and "I've joined". */
export const buildPrompt = (input: {
  readonly template: PromptTemplate
  readonly groupTitle: string
  readonly user: { readonly id: UserId; readonly firstName: string }
  readonly missing: ReadonlyArray<LinkedChannel>
  readonly settings: SettingsValues
}) => {
  // `welcome_text` greets a member who passes (BOT-32, Enforcement); every prompt uses `prompt_text`.
  const body = groupText(input.template, input, input.missing, input.settings.language, input.settings.promptText)
  return { text: body, keyboard: promptKeyboard(input.missing, callbackData.verify(input.user.id), input.settings) }
}

/** sendMessage parameters shared by every prompt: HTML, no link preview, same forum topic, never a reply. */
export const promptParams = (chatId: ChatId, threadId: number | null, prompt: ReturnType<typeof buildPrompt>) => ({
  chat_id: chatId,
  text: prompt.text,
  parse_mode: "HTML" as const,
  link_preview_options: { is_disabled: true },
  reply_markup: { inline_keyboard: prompt.keyboard },
  ...(threadId === null ? {} : { message_thread_id: threadId })
})

/** "Still missing: A, B …and N more", at most 200 characters (BOT-35 step 5). */
export const missingAlert = (titles: ReadonlyArray<string>) => {
  let shown = [...titles]
  const render = (list: ReadonlyArray<string>, more: number) =>
    text("verify.missing", { channels: list.join(", ") + (more > 0 ? ` …and ${more} more` : "") }, { markup: ["channels"] })
  while (shown.length > 1 && render(shown, titles.length - shown.length).length > 200) shown = shown.slice(0, -1)
  const out = render(shown, titles.length - shown.length)
  return out.length > 200 ? `${out.slice(0, 199)}…` : out
}
