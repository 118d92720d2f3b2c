import type { ChatId, SettingsValues, UserId } from "@nezuko/domain"
import { callbackData } from "@nezuko/domain"
import { Clock, Deferred, Duration, Effect, FiberSet, Option } from "effect"
import type { LinkedChannel } from "./GroupDirectory.js"
import { buildPrompt, type PromptTemplate, promptKeyboard, promptParams } from "./Prompts.js"
import { RateLimiter } from "./RateLimiter.js"
import { TelegramApi, type TelegramError } from "./TelegramApi.js"
import { channelLabel, mention, text } from "./Texts.js"

export interface PromptRequest {
  readonly groupId: ChatId
  readonly groupTitle: string
  readonly threadId: number | null
  readonly template: PromptTemplate
  readonly user: { readonly id: UserId; readonly firstName: string }
  readonly missing: ReadonlyArray<LinkedChannel>
  readonly settings: SettingsValues
}

/** One user's prompt as sendMessage parameters (sent now, or queued in the outbox by the restrict flow). */
export const promptMessage = (r: PromptRequest) =>
  promptParams(r.groupId, r.threadId, buildPrompt({
    template: r.template, groupTitle: r.groupTitle, user: r.user, missing: r.missing, settings: r.settings
  }))

interface Waiting {
  readonly request: PromptRequest
  readonly done: Deferred.Deferred<Option.Option<number>, TelegramError>
}

const window = Duration.seconds(60)
const collectFor = Duration.seconds(5)
const perPrompt = 10

/**
 * LIM-9: prompts for a group are sent one by one until the group's budget runs low (fewer than 3 of the
 * limiter's messages a minute per group left) or 3 or more prompts are already waiting; then they are
 * collected for up to 5 s and sent as combined prompts of up to 10 mentions with the union of missing channels and the `nz:vp` button.
 * Per replica by design (SPEC OPS-11: queues are per replica). Mutes never wait for this.
 */
export class PromptCoalescer extends Effect.Service<PromptCoalescer>()("@nezuko/core/PromptCoalescer", {
  scoped: Effect.gen(function* () {
    const telegram = yield* TelegramApi
    const limiter = yield* RateLimiter
    // Collecting fibers belong to the service's scope: a shutdown interrupts them with their waiters.
    const fibers = yield* FiberSet.make()
    const sentAt = new Map<number, Array<number>>()
    const inFlight = new Map<number, number>()
    const batches = new Map<number, Array<Waiting>>()

    const recent = (groupId: number, now: number) => {
      const kept = (sentAt.get(groupId) ?? []).filter((t) => now - t < Duration.toMillis(window))
      sentAt.set(groupId, kept)
      return kept
    }
    const noteSent = (groupId: number, now: number) => recent(groupId, now).push(now)

    const sendOne = (r: PromptRequest) => telegram.sendMessage(promptMessage(r), { priority: 1, kind: "send" })

    const combined = (group: ReadonlyArray<Waiting>) => {
      const first = group[0]?.request
      if (first === undefined) return Effect.succeed(Option.none<number>())
      const channels = new Map<number, LinkedChannel>()
      for (const w of group) for (const c of w.request.missing) channels.set(Number(c.chatId), c)
      const missing = [...channels.values()]
      const html = text("prompt.combined", {
        mention: group.map((w) => mention(w.request.user.id, w.request.user.firstName)).join(", "),
        group: first.groupTitle,
        channels: missing.map(channelLabel).join(", ")
      }, { language: first.settings.language })
      return telegram.sendMessage({
        chat_id: first.groupId, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true },
        reply_markup: { inline_keyboard: promptKeyboard(missing, callbackData.verifyPresser, first.settings) },
        ...(first.threadId === null ? {} : { message_thread_id: first.threadId })
      }, { priority: 1, kind: "send" }).pipe(Effect.map((m) => Option.some(m.message_id)))
    }

    const flush = (groupId: number) =>
      Effect.gen(function* () {
        yield* Effect.sleep(collectFor)
        const waiting = batches.get(groupId) ?? []
        batches.delete(groupId)
        for (let i = 0; i < waiting.length; i += perPrompt) {
          const chunk = waiting.slice(i, i + perPrompt)
          const exit = yield* Effect.exit(combined(chunk))
          yield* Effect.forEach(chunk, (w) => Deferred.done(w.done, exit), { discard: true })
          noteSent(groupId, yield* Clock.currentTimeMillis)
        }
      })

    /** Sends (or joins a combined) prompt; the message id that carries the user's mention, if any was sent. */
    const send = Effect.fn("PromptCoalescer.send")(function* (r: PromptRequest) {
      const groupId = Number(r.groupId)
      const now = yield* Clock.currentTimeMillis
      const waiting = inFlight.get(groupId) ?? 0
      const collecting = batches.get(groupId)
      // The group's window as the limiter keeps it (LIM-2, DATA-19), counted here from this replica's prompts: the
      // trigger for collecting, not the limit itself, which the limiter enforces on every send.
      const low = limiter.current().perGroup - recent(groupId, now).length < 3
      if (collecting === undefined && !low && waiting < 3) {
        inFlight.set(groupId, waiting + 1)
        return yield* sendOne(r).pipe(
          Effect.tap(() => Effect.sync(() => noteSent(groupId, now))),
          Effect.map((m) => Option.some(m.message_id)),
          Effect.ensuring(Effect.sync(() => inFlight.set(groupId, (inFlight.get(groupId) ?? 1) - 1)))
        )
      }
      const done = yield* Deferred.make<Option.Option<number>, TelegramError>()
      if (collecting === undefined) {
        batches.set(groupId, [{ request: r, done }])
        yield* FiberSet.run(fibers, flush(groupId))
      } else {
        collecting.push({ request: r, done })
      }
      return yield* Deferred.await(done)
    })

    return { send } as const
  })
}) {}
