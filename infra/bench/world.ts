import type { DemoWorld } from "@nezuko/bot"
import type { SandboxDriver } from "@nezuko/telegram-sandbox"

/**
 * The benchmark world, identical in every sandbox: `groups` supergroups, each with its own required channel,
 * and `users` users spread evenly over the groups (user k writes in group k mod groups). In every group,
 * one user in five is not a member of the group's channel (80 % members / 20 % non-members). The bot is a
 * full admin everywhere.
 */
export interface WorldSpec {
  readonly groups: number
  readonly users: number
}

export interface BenchWorld {
  readonly groups: ReadonlyArray<{ readonly id: number; readonly channelId: number; readonly members: ReadonlyArray<number>; readonly nonMembers: ReadonlyArray<number> }>
  /** Nezuko's protection rows for the same groups. */
  readonly protection: ReadonlyArray<DemoWorld>
  /** group id → its required channel ids (the plain bot's configuration). */
  readonly links: ReadonlyMap<number, ReadonlyArray<number>>
}

const ownerId = 90_000_001
const firstUserId = 91_000_001
const firstGroupId = -1_009_000_000_001
const firstChannelId = -1_009_100_000_001

export const buildWorld = (driver: SandboxDriver, spec: WorldSpec): BenchWorld => {
  driver.createUser({ id: ownerId, firstName: "Owner" })
  const users = Array.from({ length: spec.users }, (_, k) => driver.createUser({ id: firstUserId + k, firstName: `User${k}` }).id)
  const groups = Array.from({ length: spec.groups }, (_, g) => {
    const mine = users.filter((_, k) => k % spec.groups === g)
    const nonMembers = mine.filter((_, i) => i % 5 === 4)
    const members = mine.filter((_, i) => i % 5 !== 4)
    const channel = driver.createChannel({ id: firstChannelId - g, title: `Bench Channel ${g}`, username: `bench_channel_${g}`, ownerId, bot: "admin", members })
    const group = driver.createSupergroup({ id: firstGroupId - g, title: `Bench Group ${g}`, ownerId, bot: "admin", members: mine })
    return { id: group.id, channelId: channel.id, members, nonMembers }
  })
  return {
    groups,
    protection: groups.map((g, i) => ({
      group: { id: g.id, title: `Bench Group ${i}` },
      channels: [{ id: g.channelId, title: `Bench Channel ${i}`, username: `bench_channel_${i}` }],
      protectedBy: ownerId
    })),
    links: new Map(groups.map((g) => [g.id, [g.channelId]]))
  }
}

export interface PlannedMessage {
  readonly groupId: number
  readonly userId: number
  readonly member: boolean
}

/** Warm-up: every (group, user) pair writes once, groups interleaved; every membership answer is a cache miss. */
export const warmupPlan = (world: BenchWorld): ReadonlyArray<PlannedMessage> => {
  const perGroup = world.groups.map((g) => [
    ...g.members.map((userId) => ({ groupId: g.id, userId, member: true })),
    ...g.nonMembers.map((userId) => ({ groupId: g.id, userId, member: false }))
  ].sort((a, b) => a.userId - b.userId))
  const longest = Math.max(...perGroup.map((p) => p.length))
  const plan: Array<PlannedMessage> = []
  for (let i = 0; i < longest; i++) {
    for (const p of perGroup) {
      const m = p[i]
      if (m !== undefined) plan.push(m)
    }
  }
  return plan
}

/** A small deterministic generator (mulberry32), so every run and both bots see the same stream. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Steady state: `count` messages, every fifth from a non-member, groups and users picked at random. */
export const steadyPlan = (world: BenchWorld, count: number, seed = 42): ReadonlyArray<PlannedMessage> => {
  const next = random(seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(next() * xs.length)] as A
  return Array.from({ length: count }, (_, i) => {
    const g = pick(world.groups)
    const member = i % 5 !== 4
    return { groupId: g.id, userId: pick(member ? g.members : g.nonMembers), member }
  })
}

/**
 * Non-members muted in the warm-up can no longer write (the sandbox refuses, as Telegram would). For the
 * steady state their mute is lifted outside the bot (silently, as an expired mute or another admin would), so
 * 20 % of the stream still comes from non-members; each bot keeps whatever it stored about them.
 */
export const liftMutes = (driver: SandboxDriver, world: BenchWorld) => {
  for (const g of world.groups) for (const userId of g.nonMembers) driver.setMember(g.id, userId, { status: "member" }, { silent: true })
}

/**
 * Sends `plan` through the sandbox at `ratePerSecond` (paced in small ticks); returns when the last message is
 * queued. A user the bot muted again cannot write (the sandbox refuses, as Telegram would): their mute is
 * lifted outside the bot and the message sent, so every planned message reaches the bot and the mix stays
 * 80/20 for both bots. `unmuted` counts those.
 */
export const sendPlan = async (driver: SandboxDriver, plan: ReadonlyArray<PlannedMessage>, ratePerSecond: number) => {
  const startedAt = Date.now()
  const t0 = performance.now()
  let i = 0
  let unmuted = 0
  let refused = 0
  while (i < plan.length) {
    const due = Math.min(plan.length, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond) + 1)
    for (; i < due; i++) {
      const m = plan[i]
      if (m === undefined) continue
      try {
        driver.sendMessage(m.userId, m.groupId, `message ${i}`)
      } catch {
        try {
          driver.setMember(m.groupId, m.userId, { status: "member" }, { silent: true })
          driver.sendMessage(m.userId, m.groupId, `message ${i}`)
          unmuted++
        } catch {
          refused++
        }
      }
    }
    if (i < plan.length) await new Promise<void>((resolve) => setTimeout(resolve, 5))
  }
  return { startedAt, sent: plan.length - refused, refused, unmuted, sendSeconds: (performance.now() - t0) / 1000 }
}
