import { describe, it } from "@effect/vitest"
import { AdminId } from "@nezuko/domain"
import { Effect } from "effect"
import { expect } from "vitest"
import { asSystem, authorize, can, CurrentAdmin, permissionMatrix, permissions, requires } from "../src/Policy.js"

const admin = (role: "owner" | "admin" | "viewer") => ({
  id: AdminId.make("00000000-0000-4000-8000-000000000001"), email: "a@example.com", displayName: null, role, familyId: "f", mustChangePassword: false
})
const updateGroup = Effect.succeed("changed").pipe(requires("update:group:any"))

describe("Policy", () => {
  it("the matrix is PANEL-18: Owners can everything, Viewers only read and manage their own account", () => {
    expect(permissions.every((p) => can("owner", p))).toBe(true)
    expect(permissions.filter((p) => can("viewer", p))).toEqual(["read:panel:any", "export:group:any", "update:account:own"])
    expect(permissions.filter((p) => !can("admin", p))).toEqual(["read:audit:any", "update:settings:any", "manage:admins:any"])
    expect(Object.keys(permissionMatrix).length).toBe(14)
  })

  it.effect("authorize discharges the requirement for allowed roles and fails with Forbidden otherwise", () =>
    Effect.gen(function* () {
      const program = updateGroup.pipe(authorize("update:group:any"))
      expect(yield* Effect.provideService(program, CurrentAdmin, admin("admin"))).toBe("changed")
      const denied = yield* Effect.flip(Effect.provideService(program, CurrentAdmin, admin("viewer")))
      expect(denied._tag).toBe("Forbidden")
      expect(yield* updateGroup.pipe(asSystem("update:group:any"))).toBe("changed")
    }))

  it("a program that skips authorization, or authorizes the wrong permission, does not compile", () => {
    // @ts-expect-error Authorized<"update:group:any"> is still required
    const _unchecked: Effect.Effect<string> = updateGroup
    // @ts-expect-error authorizing another permission leaves the requirement in place
    const _wrong: Effect.Effect<string, unknown, CurrentAdmin> = updateGroup.pipe(authorize("read:panel:any"))
    expect(true).toBe(true)
  })
})
