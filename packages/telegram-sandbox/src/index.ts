export { ApiError } from "./ApiError.js"
export type { CallRecord, FaultKind } from "./CallLog.js"
export { DEMO, seedDemo } from "./Demo.js"
export { type CallbackView, type ChatView, type MessageView, paramNumber, SandboxDriver, type WaitOptions } from "./Driver.js"
export type { ActiveFault, FaultSpec } from "./Faults.js"
export { isMessageProducing, type Violation } from "./Limits.js"
export { defaultLimits, type LimitOptions, SANDBOX_BOT_ID, SANDBOX_BOT_TOKEN, type SandboxOptions } from "./Options.js"
export { type AdminRights, fullAdminRights, normalizeUntilDate } from "./Permissions.js"
export { type RunningSandbox, startSandbox } from "./Sandbox.js"
export { TelegramSandbox } from "./TelegramSandbox.js"
export { SandboxError } from "./SandboxError.js"
export { optInKinds, type UpdateKind } from "./Updates.js"
export type { ButtonSelector, JoinOptions, SendOptions } from "./UserActions.js"
export type { DeliveryRecord } from "./Webhook.js"
export type { BotSetup, ChatInput, MemberSpec, UserInput } from "./WorldBuilder.js"
export { CHANNEL_BOT, GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE } from "./World.js"

import { startSandbox } from "./Sandbox.js"
import { TelegramSandbox } from "./TelegramSandbox.js"

/** `Sandbox.start(options)` for Promise code, `Sandbox.scoped` / `Sandbox.layer` for Effect code. */
export const Sandbox = {
  start: startSandbox,
  scoped: TelegramSandbox.scoped,
  layer: TelegramSandbox.layer
} as const
