/**
 * The room's own input gate, for the one wait a turn may have: the
 * before-send hook (before-send/check.ts). While a check is out, every input
 * that reaches the room — a frame, a post, a shard member's arrival — waits
 * here, in the order it came; when the check answers, what it was for runs in
 * a turn, then the inputs that waited, until one of them starts another
 * check. So nothing overtakes a message that is being checked, and the
 * ordering rule of dispatch (actions.ts) holds across the wait. Without a
 * hook nothing ever waits here.
 */
import { logInternal } from "../platform/log";

export class Gate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    /** Audience.turn: a continuation's frames go out at its end. */
    private readonly turn: <T>(run: () => T) => T,
    private readonly room: string,
  ) {}

  /** Whether a check is out (inputs wait). */
  get busy(): boolean {
    return this.held;
  }

  /** Runs `input` after the check that is out. */
  later(input: () => void): void {
    this.waiting.push(input);
  }

  /** Holds the room's input until `check` settles, then runs `then` with its value. `check` must not reject. */
  hold<T>(check: Promise<T>, then: (value: T) => void): void {
    this.held = true;
    void check.then((value) => this.release(() => then(value)));
  }

  /** The check answered: its continuation, then the inputs that waited, each an entry point of its own (throws stop there). */
  private release(then: () => void): void {
    this.turn(() => {
      this.held = false;
      this.guarded(then);
      while (!this.held && this.waiting.length > 0) this.guarded(this.waiting.shift() as () => void);
    });
  }

  private guarded(run: () => void): void {
    try {
      run();
    } catch (error) {
      logInternal("gate", error, { room: this.room });
    }
  }
}
