import { Model } from "@effect/sql"
import { Schema } from "effect"
import { AdminId } from "./Ids.js"

export const Role = Schema.Literal("owner", "admin", "viewer")
export type Role = typeof Role.Type

export const Email = Schema.Trim.pipe(
  Schema.compose(Schema.Lowercase),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" }),
  Schema.maxLength(254)
)

/** A panel user (DATA-15). The hash is Sensitive: no json variant carries it to the panel. */
export class AdminUser extends Model.Class<AdminUser>("AdminUser")({
  id: Model.Generated(AdminId),
  email: Schema.String,
  displayName: Schema.NullOr(Schema.String),
  passwordHash: Model.Sensitive(Schema.String),
  role: Role,
  isActive: Schema.Boolean,
  failedLogins: Schema.Int,
  lockCount: Schema.Int,
  lockedUntil: Schema.NullOr(Schema.DateFromSelf),
  mustChangePassword: Schema.Boolean,
  lastLoginAt: Schema.NullOr(Schema.DateFromSelf),
  passwordChangedAt: Schema.NullOr(Schema.DateFromSelf),
  createdBy: Schema.NullOr(AdminId),
  createdAt: Model.DateTimeInsertFromDate,
  updatedAt: Model.DateTimeUpdateFromDate
}) {}
