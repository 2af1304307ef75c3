/**
 * Events in and out: the server's events read from a frame, typed
 * listeners, and the promises of the client, which ParleyClient and
 * ParleyRoom share. A listener that throws must not break the client, and a
 * rejection nobody waits for must not be reported as unhandled (the same
 * news comes as an event).
 */

import type { ServerEvent } from "../../shared/events";
import type { ParleyError } from "./types";

/** The events of one parley.v2 frame (a JSON array of them); anything that is not an event is dropped. */
export function parseEvents(data: string): ServerEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return [];
  }
  const isEvent = (e: unknown): e is ServerEvent =>
    typeof e === "object" && e !== null && typeof (e as { type?: unknown }).type === "string";
  return (Array.isArray(value) ? value : [value]).filter(isEvent);
}

export type Listener<E> = (event: E) => void;

/** Calls a listener; its error is thrown again outside, as an uncaught one. */
function call<E>(listener: Listener<E>, event: E): void {
  try {
    listener(event);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

/** Listeners by event type. */
export class Listeners<M> {
  private readonly byType = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    const set = this.byType.get(type) ?? new Set();
    this.byType.set(type, set);
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  off<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    this.byType.get(type)?.delete(listener as Listener<never>);
  }

  emit<K extends keyof M>(type: K, event: M[K]): void {
    const set = this.byType.get(type);
    if (set) for (const listener of [...set]) call(listener as Listener<M[K]>, event);
  }
}

/** A promise with its settle functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: ParleyError): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: ParleyError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export function rejected<T>(error: ParleyError): Promise<T> {
  const d = deferred<T>();
  d.reject(error);
  return d.promise;
}
