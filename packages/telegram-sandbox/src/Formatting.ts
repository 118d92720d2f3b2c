import type { MessageEntity, User } from "@grammyjs/types"
import { badRequest } from "./ApiError.js"

export interface FormattedText {
  readonly text: string
  readonly entities: Array<MessageEntity>
}

const byteOffset = (source: string, index: number): number => Buffer.byteLength(source.slice(0, index), "utf8")

const namedEntities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' }

const decodeEntity = (name: string): string | undefined => {
  if (name.startsWith("#x") || name.startsWith("#X")) {
    const code = Number.parseInt(name.slice(2), 16)
    return Number.isFinite(code) ? String.fromCodePoint(code) : undefined
  }
  if (name.startsWith("#")) {
    const code = Number.parseInt(name.slice(1), 10)
    return Number.isFinite(code) ? String.fromCodePoint(code) : undefined
  }
  return namedEntities[name]
}

interface OpenTag {
  readonly name: string
  readonly offset: number
  readonly attrs: Record<string, string>
}

const tagEntity = (
  tag: OpenTag,
  length: number,
  lookupUser: (id: number) => User | undefined
): MessageEntity | undefined => {
  const offset = tag.offset
  switch (tag.name) {
    case "b":
    case "strong":
      return { type: "bold", offset, length }
    case "i":
    case "em":
      return { type: "italic", offset, length }
    case "u":
    case "ins":
      return { type: "underline", offset, length }
    case "s":
    case "strike":
    case "del":
      return { type: "strikethrough", offset, length }
    case "tg-spoiler":
      return { type: "spoiler", offset, length }
    case "span":
      return tag.attrs["class"] === "tg-spoiler" ? { type: "spoiler", offset, length } : undefined
    case "code":
      return { type: "code", offset, length }
    case "pre":
      return { type: "pre", offset, length }
    case "blockquote":
      return "expandable" in tag.attrs ? { type: "expandable_blockquote", offset, length } : { type: "blockquote", offset, length }
    case "a": {
      const href = tag.attrs["href"] ?? ""
      const mention = /^tg:\/\/user\?id=(\d+)$/.exec(href)
      const user = mention?.[1] === undefined ? undefined : lookupUser(Number(mention[1]))
      if (user !== undefined) return { type: "text_mention", offset, length, user }
      return href === "" ? undefined : { type: "text_link", offset, length, url: href }
    }
    default:
      return undefined
  }
}

const supportedTags = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "code", "pre", "blockquote", "a", "tg-emoji"])

/** Telegram's HTML parse mode, with its error texts for unsupported or unbalanced tags. */
export const parseHtml = (source: string, lookupUser: (id: number) => User | undefined): FormattedText => {
  let text = ""
  const entities: Array<MessageEntity> = []
  const stack: Array<OpenTag> = []
  let i = 0
  while (i < source.length) {
    const ch = source[i]
    if (ch === "&") {
      const end = source.indexOf(";", i)
      const decoded = end === -1 || end - i > 10 ? undefined : decodeEntity(source.slice(i + 1, end))
      if (decoded !== undefined) {
        text += decoded
        i = end + 1
        continue
      }
      text += ch
      i++
      continue
    }
    if (ch !== "<") {
      text += ch
      i++
      continue
    }
    const close = source.indexOf(">", i)
    if (close === -1) throw badRequest(`can't parse entities: Unclosed start tag at byte offset ${byteOffset(source, i)}`)
    const raw = source.slice(i + 1, close).trim()
    if (raw.startsWith("/")) {
      const name = raw.slice(1).trim().toLowerCase()
      const open = stack.pop()
      if (open === undefined || (name !== "" && open.name !== name)) {
        throw badRequest(`can't parse entities: Unmatched end tag at byte offset ${byteOffset(source, i)}, expected "</${open?.name ?? ""}>", found "</${name}>"`)
      }
      const entity = tagEntity(open, text.length - open.offset, lookupUser)
      if (entity !== undefined && entity.length > 0) entities.push(entity)
    } else {
      const match = /^([a-zA-Z-]+)(.*)$/s.exec(raw)
      const name = match?.[1]?.toLowerCase() ?? ""
      if (!supportedTags.has(name)) {
        throw badRequest(`can't parse entities: Unsupported start tag "${name}" at byte offset ${byteOffset(source, i)}`)
      }
      const attrs: Record<string, string> = {}
      for (const attr of (match?.[2] ?? "").matchAll(/([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?/g)) {
        const key = attr[1]
        if (key !== undefined) attrs[key.toLowerCase()] = (attr[2] ?? attr[3] ?? attr[4] ?? "").replace(/&amp;/g, "&")
      }
      stack.push({ name, offset: text.length, attrs })
    }
    i = close + 1
  }
  const unclosed = stack.pop()
  if (unclosed !== undefined) throw badRequest(`can't parse entities: Can't find end tag corresponding to start tag "${unclosed.name}"`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}

/** Entities Telegram detects by itself in plain text: commands, @mentions, URLs, hashtags. */
export const detectEntities = (text: string): Array<MessageEntity> => {
  const entities: Array<MessageEntity> = []
  const patterns: Array<[RegExp, MessageEntity["type"]]> = [
    [/(?<![\w/])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z][A-Za-z0-9_]{3,31})?(?![\w@])/g, "bot_command"],
    [/(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)/g, "mention"],
    [/\bhttps?:\/\/[^\s<>"]+/g, "url"],
    [/(?<![\w#])#[A-Za-z_][\w]*/g, "hashtag"]
  ]
  for (const [pattern, type] of patterns) {
    for (const match of text.matchAll(pattern)) {
      if (match.index === undefined) continue
      const inside = entities.some((e) => match.index >= e.offset && match.index < e.offset + e.length)
      if (!inside) entities.push({ type, offset: match.index, length: match[0].length } as MessageEntity)
    }
  }
  return entities.sort((a, b) => a.offset - b.offset)
}
