/**
 * What a section of a room's detail gets, and the sections shown, in order.
 * A section is a function from the room's detail to its element, or to null
 * when it has nothing to show (the webhooks section on a server without
 * them). Adding one is adding a function to SECTIONS.
 */
import type { AdminApi, RoomDetail } from "./api";
import { refusalsSection, sanctionsSection, summarySection } from "./room-sections";
import { webhooksSection } from "./webhooks-section";

export interface SectionContext {
  api: AdminApi;
  room: string;
  detail: RoomDetail;
  /** Says how an action went (in the detail's status line) and shows the room again. */
  done(message: string): void;
}

export type Section = (ctx: SectionContext) => HTMLElement | null | Promise<HTMLElement | null>;

export const SECTIONS: readonly Section[] = [summarySection, refusalsSection, sanctionsSection, webhooksSection];
