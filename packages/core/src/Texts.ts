// BOT-53: every user-visible text by key, HTML parse mode, every user- or chat-supplied value escaped.

export const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** `<a href="tg://user?id=ID">first name</a>`, the name escaped and cut to 64 characters (BOT-26). */
export const mention = (userId: number, firstName: string) =>
  `<a href="tg://user?id=${userId}">${escapeHtml([...firstName].slice(0, 64).join("") || "user")}</a>`

export interface ChannelLine {
  readonly title: string
  readonly username: string | null
}

/** A channel by title, with `@username` only when it has one — never an `@` before a title (BOT-26). */
export const channelLabel = (c: ChannelLine) => `<b>${escapeHtml(c.title)}</b>${c.username ? ` (@${escapeHtml(c.username)})` : ""}`

const english = {
  "prompt.message": "{mention}, to write in {group} please join {channels} first, then press the button below.",
  "prompt.join": "Welcome, {mention}! To write in {group} please join {channels} first, then press the button below.",
  "join.welcome": "Welcome to {group}, {mention}!",
  "prompt.leave": "{mention}, you left {channels}. Join again to keep writing in {group}, then press the button below.",
  "prompt.combined": "{mention}: to write in {group} please join {channels}, then press the button below.",
  "prompt.join_request": "To join {group}, please join {channels} first, then press the button below.",
  "join_request.ok": "You're in — welcome to {group}!",
  "join_request.answer_ok": "You're in!",
  "join_request.expired": "Your request to join {group} expired. Join {channels}, then request to join again.",
  "join_request.closed": "This request is no longer open.",
  "health.setup_hint":
    "Hi! To protect this group I need to be an administrator with <i>Ban users</i> and <i>Delete messages</i> (and <i>Invite users via link</i> for the join gate), and an administrator in each channel. Then an admin sends <code>/protect @your_channel</code>.",
  "health.lost_rights": "⚠️ I no longer have the {rights} right in this group. {consequence} An admin can fix this in the group's administrator settings.",
  "health.not_admin": "⚠️ I'm no longer an administrator in this group. Protection is paused until I'm promoted again with <i>Ban users</i> and <i>Delete messages</i>.",
  "health.channel_lost": "⚠️ I'm no longer an administrator in {channels}, so I can't check who joined it; it is skipped until I'm an administrator there again.",
  "health.dm": "⚠️ <b>{group}</b>: {problem}",
  "health.removed": "I was removed from this group; protection is suspended. Add me back as an administrator to resume.",
  "health.restored": "✅ Rights restored — protection works fully again.",
  "health.consequence.restrict": "Until it is back I can only delete non-subscribers' messages; nobody is muted.",
  "health.consequence.delete": "Until it is back I mute non-subscribers but can't delete their messages.",
  "health.consequence.invite": "Until it is back I can't approve or decline join requests.",
  "prompt.button": "✅ I've joined",
  "prompt.join_button": "Join {title}",
  "verify.ok": "Verified — you can write now",
  "verify.missing": "Still missing: {channels}",
  "verify.not_for_you": "This button isn't for you",
  "verify.cooldown": "Please wait a few seconds",
  "verify.all_set": "You're all set",
  "verify.slow": "Telegram is slow right now, try again in a minute",
  "verify.nothing": "Nothing to verify for you here",
  "button.expired": "This button has expired.",
  "identity.blocked": "Posting as a channel isn't allowed here — write from your own account.",
  "admin.only": "Only admins with the Ban users right can use /{command}",
  "admin.only_alert": "Admins only",
  "anon.confirm": "Anonymous admin: tap to confirm /{command}",
  "anon.only_admins": "Only admins can confirm this",
  "anon.expired": "This request expired",
  "anon.confirm_button": "✅ Confirm",
  "command.failed": "Telegram did not answer in time; please try again in a minute.",
  "start.group": "Admins: use /protect @channel",
  "protect.ok":
    "Protection is on for <b>{group}</b>. Members must join:\n{channels}\n\nAnyone who hasn't joined every channel is muted and shown what to join, and released as soon as they have. Fine-tune with /settings.",
  "protect.already": "Already protected. Members must join:\n{channels}",
  "protect.usage": "Usage: <code>/protect @channel</code> — up to 5 channels, e.g. <code>/protect @my_channel @my_news</code>.",
  "protect.err.not_admin": "Only admins with the Ban users right can use /{command}.",
  "protect.err.basic_group":
    "Restrictions need a supergroup. Make the group public once, or turn on chat history for new members, and Telegram converts it; then send /protect again.",
  "protect.err.group_rights": "I need these rights in this group first: {rights}. Open the group → Administrators → me, turn them on, then send /protect again.",
  "protect.err.too_many": "A group can require at most {max} channels; this would make {count}.",
  "protect.err.invalid_ref": "{ref}: {reason}",
  "protect.err.not_found": "I can't find {ref}. Check the name, or add me to the channel first.",
  "protect.err.not_channel": "{ref} is not a channel.",
  "protect.err.channel_admin":
    "I'm not an admin in <b>{title}</b>, so I can't see who joined it. To fix it:\n1. Open {title} → Administrators.\n2. Add me as an administrator (no rights are needed).\n3. Send /protect again.",
  "protect.err.probe_failed": "Telegram doesn't let me look up members of <b>{title}</b> right now; try again in a minute.",
  "protect.err.no_invite_link": "Give me the 'Invite users via link' right in <b>{title}</b>, or set a link in the panel.",
  "unprotect.err.supergroup_only": "This works in supergroups only.",
  "unprotect.err.not_linked": "{ref} is not one of this group's channels.",
  "unprotect.not_protected": "This group isn't protected.",
  "unprotect.dropped": "{channel} is no longer required. Members still need: {channels}.",
  "unprotect.already_off": "Already off; /protect turns it back on with the saved channels.",
  "unprotect.last.off": "{channel} is no longer required, and no channel is left: protection stays off. /protect @channel sets it up again.",
  "unprotect.last.one": "{channel} is no longer required, and no channel is left: protection is off. {count} member is being released. /protect @channel sets it up again.",
  "unprotect.last.other": "{channel} is no longer required, and no channel is left: protection is off. {count} members are being released. /protect @channel sets it up again.",
  "unprotect.ok.one": "Protection is off. {count} member is being released. /protect turns it back on with the saved channels.",
  "unprotect.ok.other": "Protection is off. {count} members are being released. /protect turns it back on with the saved channels.",
  "status.not_protected": "This group isn't protected. Admins: use /protect @channel",
  "status.header": "<b>{group}</b>: protection {state}",
  "status.state.on": "on",
  "status.state.off": "off",
  "status.state.degraded": "on, degraded",
  "status.state.suspended": "suspended",
  "status.state.reason": "{state} ({reason})",
  "status.channels": "Channels:",
  "status.channel": "• {channel} · {link} · {health}",
  "status.channel.link": "<a href=\"{url}\">link</a>",
  "status.channel.no_link": "no link",
  "status.channel.ok": "✓",
  "status.channel.unverifiable": "⚠ unverifiable",
  "status.rights": "Bot rights: {admin} Administrator  {restrict} Ban users  {delete} Delete messages  {invite} Invite users",
  "status.pending": "Pending now: {count}",
  "status.last_24h": "Last 24 h: {restricted} restricted, {verified} verified, {passed} passed",
  "status.settings": "Timeout: {action} after {minutes} min · join gate {join_gate} · dry run {dry_run}",
  "settings.title": "<b>Settings</b> — tap a line to change it.",
  "settings.button": "{label}: {value}",
  "settings.close": "Close",
  "log.restrict": "🔇 {mention} muted in <b>{group}</b> ({trigger}). Missing: {channels}",
  "log.verify": "✅ {mention} verified in <b>{group}</b> ({trigger}).",
  "log.kick": "👢 {mention} removed from <b>{group}</b> after the timeout.",
  "log.ban": "⛔ {mention} banned from <b>{group}</b> after the timeout.",
  "log.release_button": "Release",
  "log.released": "Released.",
  "log.released_by": "Released by {mention}.",
  "log.nothing_to_release": "Nothing to release: they are not muted by me any more.",
  "settings.gate_link": "🔗 Create join-request link",
  "settings.gate_link.created": "Join-request link for this group: {link}\nShare it instead of the group's link: whoever opens it is let in only once they have joined every linked channel.",
  "settings.gate_link.no_rights": "I need the “Invite users via link” right to create the link.",
  "settings.gate_link.failed": "Telegram did not create the link. Please try again later.",
  "settings.value.on": "on",
  "settings.value.off": "off",
  "settings.key.verify_on_join": "Check newcomers",
  "settings.key.enforcement_mode": "Mode",
  "settings.key.delete_unverified_messages": "Delete their messages",
  "settings.key.timeout_action": "On timeout",
  "settings.key.timeout_minutes": "Timeout (min)",
  "settings.key.channel_identity_policy": "Posts as a channel",
  "settings.key.trust_admin_added": "Trust members added by admins",
  "settings.key.on_leave": "On channel leave",
  "settings.key.join_gate": "Join-request gate",
  "settings.key.delete_service_messages": "Delete join/leave messages",
  "settings.key.dry_run": "Dry run",
  "settings.key.language": "Language",
  "target.unknown": "I don't know @{username} yet: reply to one of their messages or use their numeric id.",
  "release.usage": "Use /release with a reply, a numeric id or a known @username, or /release all.",
  "release.ok": "Released {name}.",
  "release.nothing_pending": "{name} had nothing pending here.",
  "release.exempt_until": "They are exempt from checks until {until} UTC.",
  "release.none_pending": "Nobody is pending here.",
  "release.all.one": "Releasing {count} pending member.",
  "release.all.other": "Releasing {count} pending members.",
  "whitelist.usage": "Use /whitelist to list, /whitelist add or /whitelist remove with a reply, a numeric id or a known @username.",
  "whitelist.empty": "The whitelist is empty. Add someone with /whitelist add (reply, id or @username).",
  "whitelist.header": "<b>Whitelist</b> ({count}):",
  "whitelist.header_capped": "<b>Whitelist</b> ({count}, the newest {limit}):",
  "whitelist.entry": "• {name} — <code>{id}</code>{scope}{until}",
  // Pieces of whitelist.entry, each bringing its own leading separator.
  "whitelist.entry.all_groups": " (all groups)",
  "whitelist.entry.until": ", until {until} UTC",
  "whitelist.added": "{name} is whitelisted here.",
  "whitelist.added_released": "{name} is whitelisted here. Their pending check is released.",
  "whitelist.not_listed": "{name} is not on this group's whitelist.",
  "whitelist.removed": "{name} is no longer whitelisted here.",
  "start.greeting":
    "Hi {first_name}! I'm Nezuko.\nI keep your group for subscribers: members must join your channels before they can write.\nNon-subscribers are muted and shown what to join — and released the moment they do.\nAdd me to a group to start.",
  "start.add_button": "➕ Add me to a group",
  "start.setup_button": "How to set up",
  "start.how_button": "How it works",
  "start.cmds_button": "Commands",
  "menu.back": "« Back",
  "menu.setup":
    "<b>Setting up</b>\n1. Add me to your group as an administrator with <i>Ban users</i>, <i>Delete messages</i> and <i>Invite users via link</i>.\n2. Add me to each channel as an administrator (no rights needed).\n3. In the group, send <code>/protect @your_channel</code> (up to 5 channels).",
  "menu.how":
    "<b>How it works</b>\nWhen someone who hasn't joined every required channel writes or joins, I delete the message, mute them, and show buttons for each channel plus \"I've joined\". As soon as they join, they can write again.",
  "menu.cmds":
    "<b>Commands</b> (admins with Ban users)\n/protect @channel … — require channels\n/unprotect [@channel] — turn off, or drop one channel\n/status — protection, rights and counts\n/settings — behaviour\n/whitelist, /release — exempt or free a member",
  "help.private":
    "<b>Nezuko help</b>\n\n<b>Rights I need</b>\nGroup: administrator with Ban users, Delete messages (and Invite users via link for the join gate).\nEach channel: administrator, any rights.\n\n<b>Commands</b>\n/protect @channel … · /unprotect [@channel] · /status · /settings · /whitelist · /release\n\n<b>Common problems</b>\n1. \"I need these rights\": promote me in the group with Ban users and Delete messages.\n2. \"I'm not an admin in the channel\": add me to the channel's administrators.\n3. A private channel: use its numeric id — forward one of its posts to me here to get it.\n4. \"Restrictions need a supergroup\": make the group a supergroup first.\n5. Nothing happens: check /status and that protection is on.",
  "help.group": "Members must join this group's channels before writing. Admins: /protect @channel. Full help in a private chat with me.",
  "help.private_button": "Open help",
  "private.pointer": "Send /help to see what I can do.",
  "private.groups_only": "This works in groups only: add me to your group and send the command there.",
  "forward.channel": "<b>{title}</b> has the id <code>{id}</code>.\nIn your group, send:\n<code>/protect {id}</code>"
} as const

export type TextKey = keyof typeof english

const catalogues: Record<string, Record<TextKey, string>> = { en: english }

/** Languages with a shipped catalogue (the `language` setting's values). */
export const languages = Object.keys(catalogues)

/**
 * Fills a template. Values are escaped here unless the caller passes markup it built itself (`{mention}`,
 * `{channels}`); a custom group text (`override`) is used instead of the catalogue when set. That text is an
 * admin's, so it is escaped too (BOT-53): a stray `<` in it made Telegram refuse every prompt of the group,
 * leaving each non-subscriber muted with no prompt to say why.
 */
export const text = (
  key: TextKey,
  values: Record<string, string | number> = {},
  options: { readonly language?: string | undefined; readonly override?: string | null; readonly markup?: ReadonlyArray<string> } = {}
) => {
  const template = options.override != null ? escapeHtml(options.override) : catalogues[options.language ?? "en"]?.[key] ?? english[key]
  const markup = new Set(options.markup ?? ["mention", "channels"])
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = values[name]
    if (value === undefined) return whole
    return markup.has(name) ? String(value) : escapeHtml(String(value))
  })
}
