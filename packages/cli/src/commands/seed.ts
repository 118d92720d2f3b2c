import { Command, Options } from "@effect/cli"
import { SqlLive } from "@nezuko/core"
import { HourlyRollup, migrate, seedDataset } from "@nezuko/db"
import { Console, Effect } from "effect"

const groups = Options.integer("groups").pipe(Options.withDefault(1_000), Options.withDescription("How many groups to create"))
const decisions = Options.integer("decisions").pipe(Options.withDefault(10_000), Options.withDescription("How many verification-log rows to create"))
const days = Options.integer("days").pipe(Options.withDefault(30), Options.withDescription("Spread decisions and restrictions over this many days"))

/** `nezuko seed --groups 100000 --decisions 1000000`: a benchmark dataset in the configured database. */
export const seedCommand = Command.make("seed", { groups, decisions, days }, (options) =>
  Effect.gen(function* () {
    if (options.groups < 1 || options.decisions < 0 || options.days < 1) return yield* Effect.fail(new Error("--groups and --days must be at least 1"))
    yield* migrate
    const started = Date.now()
    const seeded = yield* seedDataset(options)
    const hours = yield* Effect.flatMap(HourlyRollup, (r) => r.run)
    yield* Console.log(`seeded ${seeded.groups} groups, ${seeded.channels} channels, ${seeded.restrictions} restrictions and ${seeded.decisions} decisions (${hours} hourly rows) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }).pipe(Effect.provide(HourlyRollup.Default), Effect.provide(SqlLive))
).pipe(Command.withDescription("Fill the database with a benchmark dataset (replaces an earlier seed)"))
