import { describe, expect, it } from "vitest"
import { ChannelId, defaultSettings } from "@nezuko/domain"
import { promptKeyboard } from "../src/Prompts.js"
import { channelLabel, escapeHtml, mention, text } from "../src/Texts.js"

describe("texts (BOT-53, BOT-26)", () => {
  it("escapes every user- or chat-supplied value", () => {
    expect(escapeHtml(`<b>"Tom & Jerry"</b>`)).toBe("&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;")
    expect(mention(42, "<script>")).toBe('<a href="tg://user?id=42">&lt;script&gt;</a>')
    expect(text("prompt.message", { mention: mention(1, "Bob"), group: "<Group>", channels: channelLabel({ title: "A&B", username: null }) }))
      .toBe('<a href="tg://user?id=1">Bob</a>, to write in &lt;Group&gt; please join <b>A&amp;B</b> first, then press the button below.')
  })

  it("a group's custom text is the admin's words, escaped like any supplied string; its placeholders still fill", () => {
    expect(text("prompt.message", { mention: mention(1, "Bob"), group: "G", channels: "<b>A</b>" }, { override: "{mention} <3 & join {channels} <b>now" }))
      .toBe('<a href="tg://user?id=1">Bob</a> &lt;3 &amp; join <b>A</b> &lt;b&gt;now')
  })

  it("names channels by title, adding @username only when there is one", () => {
    expect(channelLabel({ title: "Demo News", username: "demo_news" })).toBe("<b>Demo News</b> (@demo_news)")
    expect(channelLabel({ title: "Private", username: null })).toBe("<b>Private</b>")
  })

  it("escapes plain values of command replies but not the markup passed in", () => {
    expect(text("unprotect.err.not_linked", { ref: "<a&b>" })).toBe("&lt;a&amp;b&gt; is not one of this group's channels.")
    expect(text("unprotect.dropped", { channel: channelLabel({ title: "A&B", username: null }), channels: "<b>C</b>" }, { markup: ["channel", "channels"] }))
      .toBe("<b>A&amp;B</b> is no longer required. Members still need: <b>C</b>.")
    expect(text("status.header", { group: "Tom & <Jerry>", state: "on, degraded (x &lt; y)" }, { markup: ["state"] }))
      .toBe("<b>Tom &amp; &lt;Jerry&gt;</b>: protection on, degraded (x &lt; y)")
  })

  it("button texts are plain text: a channel title is shown as it is, not escaped", () => {
    const channel = { chatId: ChannelId.make(-1001), title: "Tom & <Jerry>", username: "tj", inviteLink: null, health: "ok" as const }
    expect(promptKeyboard([channel], "nz:v:1", defaultSettings)[0]?.[0]?.text).toBe("Join Tom & <Jerry>")
  })

  it("cuts long names to 64 characters and uses a group's custom text when set", () => {
    expect(mention(1, "x".repeat(100))).toContain(`>${"x".repeat(64)}<`)
    expect(text("prompt.message", { mention: "M", group: "G", channels: "C" }, { override: "Hi {mention}, join {channels} for {group}" }))
      .toBe("Hi M, join C for G")
  })
})
