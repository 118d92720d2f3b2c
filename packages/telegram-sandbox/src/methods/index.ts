import { answerCallbackQuery } from "./Callbacks.js"
import { getChat, getChatAdministrators, getChatMember, getChatMemberCount, leaveChat, setChatPermissions } from "./Chats.js"
import { deleteMyCommands, getMyCommands, setMyCommands } from "./Commands.js"
import type { Handler } from "./Core.js"
import { deleteMessage, deleteMessages } from "./Deletion.js"
import { approveChatJoinRequest, createChatInviteLink, declineChatJoinRequest, exportChatInviteLink } from "./Invites.js"
import { editMessageReplyMarkup, editMessageText, sendMessage } from "./Messages.js"
import { banChatMember, banChatSenderChat, restrictChatMember, unbanChatMember, unbanChatSenderChat } from "./Moderation.js"
import { deleteWebhook, getMe, getUpdates, getWebhookInfo, setWebhook } from "./Polling.js"

const handlers: Record<string, Handler> = {
  getMe,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  sendMessage,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  answerCallbackQuery,
  getChat,
  getChatMember,
  getChatAdministrators,
  getChatMemberCount,
  leaveChat,
  setChatPermissions,
  restrictChatMember,
  banChatMember,
  unbanChatMember,
  banChatSenderChat,
  unbanChatSenderChat,
  createChatInviteLink,
  exportChatInviteLink,
  approveChatJoinRequest,
  declineChatJoinRequest
}

/** Bot API method names are case-insensitive; the log keeps the canonical spelling. */
const byLowerName = new Map(Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), { name, handler }]))

export const findMethod = (name: string): { name: string; handler: Handler } | undefined => byLowerName.get(name.toLowerCase())

export const methodNames = (): Array<string> => Object.keys(handlers)
