import { layer } from "@effect/vitest"
import type { SqlClient } from "@effect/sql"
import { createHash, randomUUID } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { AdminUserRepo, AlertRepo, LoginAttemptRepo, RefreshTokenRepo } from "../src/index.js"

const Repos = Layer.mergeAll(AdminUserRepo.Default, RefreshTokenRepo.Default, LoginAttemptRepo.Default, AlertRepo.Default)
const sha = (text: string) => new Uint8Array(createHash("sha256").update(text).digest())
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000)

/** The panel-auth repositories, run on PGlite (unit) and on the real PostgreSQL (integration). */
export const authRepositorySuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  layer(Repos.pipe(Layer.provideMerge(database)), { timeout: "60 seconds" })(name, (it) => {
    it.effect("admin users: emails are unique and lower-case, counters and locks update", () =>
      Effect.gen(function* () {
        const repo = yield* AdminUserRepo
        const owner = yield* repo.insert({
          email: "Owner@Example.com", displayName: "O", passwordHash: "$argon2id$x", role: "owner", mustChangePassword: false, createdBy: null
        })
        expect(owner.email).toBe("owner@example.com")
        const dup = yield* Effect.flip(repo.insert({
          email: "owner@example.com", displayName: null, passwordHash: "h", role: "viewer", mustChangePassword: false, createdBy: null
        }))
        expect(dup._tag).toBe("Conflict")
        expect(yield* repo.countActiveOwners).toBe(1)
        expect(Option.map(yield* repo.findByEmail("OWNER@example.com"), (a) => a.id)).toEqual(Option.some(owner.id))
        expect((yield* repo.recordFailure(owner.id)).failedLogins).toBe(1)
        expect((yield* repo.recordFailure(owner.id)).failedLogins).toBe(2)
        yield* repo.lock(owner.id, inDays(1))
        const locked = yield* repo.findById(owner.id)
        expect(Option.map(locked, (a) => [a.failedLogins, a.lockCount, a.lockedUntil !== null])).toEqual(Option.some([0, 1, true]))
        yield* repo.recordSuccess(owner.id)
        const after = yield* repo.findById(owner.id)
        expect(Option.map(after, (a) => [a.lockCount, a.lockedUntil, a.lastLoginAt !== null])).toEqual(Option.some([0, null, true]))
      }))

    it.effect("refresh tokens: found by hash, rotated once, revoked by family; sign-ins list active families", () =>
      Effect.gen(function* () {
        const users = yield* AdminUserRepo
        const tokens = yield* RefreshTokenRepo
        const user = yield* users.insert({
          email: "rt@example.com", displayName: null, passwordHash: "h", role: "admin", mustChangePassword: false, createdBy: null
        })
        const familyId = randomUUID()
        const token = (raw: string) => ({
          id: randomUUID(), familyId, userId: user.id, tokenHash: sha(raw), expiresAt: inDays(7), familyExpiresAt: inDays(30),
          ip: "127.0.0.1", clientUa: "test"
        })
        const first = token("rt1")
        yield* tokens.insert(first)
        const found = yield* tokens.findByHash(sha("rt1"))
        expect(Option.map(found, (t) => [t.familyId, t.rotatedAt])).toEqual(Option.some([familyId, null]))
        expect(yield* tokens.rotate(first.id, token("rt2"))).toBe(true)
        expect(yield* tokens.rotate(first.id, token("rt2b"))).toBe(false)
        expect(Option.isSome(yield* tokens.findByHash(sha("rt2b")))).toBe(false)
        const signIns = yield* tokens.listSignIns(user.id)
        expect(signIns.map((s) => [s.familyId, s.ip])).toEqual([[familyId, "127.0.0.1"]])
        expect(yield* tokens.familyActive(familyId)).toBe(true)
        expect(yield* tokens.revokeFamily(familyId, "reuse")).toBe(2)
        expect(yield* tokens.familyActive(familyId)).toBe(false)
        expect(yield* tokens.listSignIns(user.id)).toEqual([])
      }))

    it.effect("login attempts and alerts are recorded; an open alert is raised once per kind", () =>
      Effect.gen(function* () {
        const attempts = yield* LoginAttemptRepo
        yield* attempts.record({ email: "X@example.com", ip: "10.0.0.1", success: false, reason: "bad_password" })
        yield* attempts.record({ email: "x@example.com", ip: null, success: true, reason: null })
        const rows = yield* attempts.recentForEmail("x@example.com")
        expect(rows.map((r) => [r.success, r.ip])).toEqual([[true, null], [false, "10.0.0.1"]])
        const alerts = yield* AlertRepo
        const a = yield* alerts.raise({ kind: "auth.refresh_reuse", severity: "critical", groupId: null, channelId: null, message: "m1", details: { n: 1 } })
        const b = yield* alerts.raise({ kind: "auth.refresh_reuse", severity: "critical", groupId: null, channelId: null, message: "m2", details: { n: 2 } })
        expect(b).toBe(a)
        const open = yield* alerts.listOpen
        expect(open.filter((x) => x.kind === "auth.refresh_reuse").map((x) => x.message)).toEqual(["m2"])
      }))
  })
