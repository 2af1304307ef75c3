/** The sections of a room's detail that `GET /api/admin/rooms/:room` fills: its figures, its refusals, its sanctions. */
import type { SanctionInForce } from "./api";
import { el, when } from "./dom";
import type { SectionContext } from "./sections";

/** A section with its heading (h3) and an id for the heading to label it by. */
export function section(id: string, title: string, ...children: Node[]): HTMLElement {
  return el("section", { class: "panel", "aria-labelledby": id }, el("h3", { id }, title), ...children);
}

/** A two-column table of names and figures, with a caption for what it is. */
function figures(caption: string, rows: [string, string | number][]): HTMLTableElement {
  return el(
    "table",
    { class: "figures" },
    el("caption", { class: "visually-hidden" }, caption),
    el("tbody", {}, ...rows.map(([name, value]) => el("tr", {}, el("th", { scope: "row" }, name), el("td", { class: "num" }, value)))),
  );
}

export function summarySection({ detail }: SectionContext): HTMLElement {
  const { counters, fanout } = detail;
  return section(
    "summary-heading",
    "Counters",
    figures("The room now", [
      ["Members", detail.members],
      ["Last seq", detail.lastSeq],
      ["Shards", detail.shards],
      ["Messages per minute", counters.messagesPerMinute],
      ["Last activity", when(counters.lastActivity)],
    ]),
    figures(`Since ${when(counters.since)}`, [
      ["Messages", counters.messages],
      ["Joins", counters.joins],
      ["Counting since", when(counters.since)],
    ]),
    el("h4", {}, "Fan-out"),
    figures("Fan-out", [
      ["Turns", fanout.turns],
      ["Calls to shards", fanout.calls],
      ["Frames to sockets", fanout.frames],
    ]),
  );
}

export function refusalsSection({ detail }: SectionContext): HTMLElement {
  const codes = Object.entries(detail.counters.refusals).sort((a, b) => b[1] - a[1]);
  const body = codes.length
    ? el(
        "table",
        {},
        el("caption", { class: "visually-hidden" }, "Refusals by code"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Code"), el("th", { scope: "col", class: "num" }, "Count"))),
        el(
          "tbody",
          {},
          ...codes.map(([code, n]) => el("tr", {}, el("th", { scope: "row" }, el("code", {}, code)), el("td", { class: "num" }, n))),
        ),
      )
    : el("p", { class: "muted" }, "None.");
  return section("refusals-heading", "Refusals by code", body);
}

export function sanctionsSection(ctx: SectionContext): HTMLElement {
  const { sanctions } = ctx.detail;
  if (!sanctions.length) return section("sanctions-heading", "Bans and mutes in force", el("p", { class: "muted" }, "None."));
  const head = el("tr", {}, ...["Member", "Kind", "Until", "Reason", "Placed by", "Action"].map((h) => el("th", { scope: "col" }, h)));
  return section(
    "sanctions-heading",
    "Bans and mutes in force",
    el(
      "table",
      {},
      el("caption", { class: "visually-hidden" }, "Bans and mutes in force"),
      el("thead", {}, head),
      el("tbody", {}, ...sanctions.map((s) => sanctionRow(ctx, s))),
    ),
  );
}

function sanctionRow(ctx: SectionContext, s: SanctionInForce): HTMLTableRowElement {
  const lift = el("button", { type: "button", "data-key": `lift:${s.kind}:${s.member}` }, "Lift");
  lift.setAttribute("aria-label", `Lift the ${s.kind} on ${s.member}`);
  lift.addEventListener("click", async () => {
    // Marked, not disabled: a disabled button drops the focus, which the detail's refresh keeps (dom.ts).
    if (lift.getAttribute("aria-disabled") === "true") return;
    lift.setAttribute("aria-disabled", "true");
    const lifted = await ctx.api.lift(ctx.room, s.member, s.kind);
    ctx.done(lifted.ok ? `Lifted the ${s.kind} on ${s.member}.` : `Could not lift the ${s.kind} on ${s.member}: ${lifted.error.message}`);
  });
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, s.member),
    el("td", {}, s.kind),
    el("td", {}, s.until === null ? "no end" : when(s.until)),
    el("td", {}, s.reason ?? "—"),
    el("td", {}, s.by),
    el("td", {}, lift),
  );
}
