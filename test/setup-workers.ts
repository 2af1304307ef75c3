// Runs around every test file of the workerd projects. At the end of a file,
// every Durable Object it woke is aborted: a room's presence window still open
// would otherwise fire after the file's environment is torn down, and its log
// line would fail the run as an unhandled error.
import { abortAllDurableObjects } from "cloudflare:test";
import { afterAll } from "vitest";

afterAll(() => abortAllDurableObjects());
