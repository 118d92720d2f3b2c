import { Schema } from "effect"

// Domain outcomes: facts the bot replies to and the panel maps to a status (CONVENTIONS §3).

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  resource: Schema.String,
  id: Schema.String
}) {
  override get message() {
    return `${this.resource} ${this.id} was not found`
  }
}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  resource: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.resource}: ${this.reason}`
  }
}

export class FieldError extends Schema.Class<FieldError>("FieldError")({
  /** JSON pointer, e.g. "/per_page" */
  field: Schema.String,
  message: Schema.String
}) {}

export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  errors: Schema.Array(FieldError)
}) {
  override get message() {
    return this.errors.map((e) => `${e.field}: ${e.message}`).join("; ")
  }
}

export class InvalidChannelRef extends Schema.TaggedError<InvalidChannelRef>()("InvalidChannelRef", {
  ref: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.ref}: ${this.reason}`
  }
}

export class ChannelNotFound extends Schema.TaggedError<ChannelNotFound>()("ChannelNotFound", {
  ref: Schema.String
}) {
  override get message() {
    return `Channel ${this.ref} does not exist or the bot cannot see it`
  }
}

export class NotAuthorizedAdmin extends Schema.TaggedError<NotAuthorizedAdmin>()("NotAuthorizedAdmin", {
  chatId: Schema.Number,
  userId: Schema.Number
}) {
  override get message() {
    return "Only admins with the Ban users right can do this"
  }
}

export class BotLacksRights extends Schema.TaggedError<BotLacksRights>()("BotLacksRights", {
  where: Schema.String,
  rights: Schema.Array(Schema.String)
}) {
  override get message() {
    return `The bot lacks ${this.rights.join(", ")} in ${this.where}`
  }
}

/** The database could not be reached (connection, timeout): counted by the postgres breaker, shown as 503. */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  cause: Schema.Defect
}) {
  override get message() {
    return "The database is unavailable"
  }
}
