import type { ResponseParameters } from "@grammyjs/types"

/** A Bot API failure: thrown by method handlers and turned into Telegram's `{ok:false,…}` body. */
export class ApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters
  ) {
    super(description)
  }
}

export const badRequest = (text: string, parameters?: ResponseParameters): ApiError =>
  new ApiError(400, `Bad Request: ${text}`, parameters)

export const forbidden = (text: string): ApiError => new ApiError(403, `Forbidden: ${text}`)

export const tooManyRequests = (retryAfter: number): ApiError =>
  new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })

/** Texts Telegram uses in more than one method. */
export const Texts = {
  chatNotFound: "chat not found",
  userNotFound: "user not found",
  participantInvalid: "PARTICIPANT_ID_INVALID",
  invalidUserId: "invalid user_id specified",
  notEnoughRightsRestrict: "not enough rights to restrict/unrestrict chat member",
  userIsAdmin: "user is an administrator of the chat",
  cantRemoveOwner: "can't remove chat owner",
  cantRestrictSelf: "can't restrict self",
  onlySupergroups: "method is available only for supergroups",
  supergroupOrChannelOnly: "method is available for supergroup and channel chats only",
  memberListInaccessible: "member list is inaccessible",
  messageToDeleteNotFound: "message to delete not found",
  messageCantBeDeleted: "message can't be deleted",
  messageCantBeDeletedForEveryone: "message can't be deleted for everyone",
  messageToEditNotFound: "message to edit not found",
  messageCantBeEdited: "message can't be edited",
  notModified:
    "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  queryTooOld: "query is too old and response timeout expired or query ID is invalid",
  chatAdminRequired: "CHAT_ADMIN_REQUIRED",
  requesterMissing: "HIDE_REQUESTER_MISSING",
  alreadyParticipant: "USER_ALREADY_PARTICIPANT",
  migrated: "group chat was upgraded to a supergroup chat",
  cantInitiate: "bot can't initiate conversation with a user",
  blocked: "bot was blocked by the user",
  botsCantMessageBots: "bot can't send messages to bots"
} as const
