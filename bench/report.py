"""Turns one benchmark run (bench.py's results) into the markdown report: targets first."""

import os
import statistics

TARGET_ORDER = ("direct", "nginx", "tokenrouter")
WITH_FLOOR = TARGET_ORDER + ("dotnet-floor",)


def render(results, args, goals):
    runs = Runs(results["runs"])
    lines = header(results, args)
    lines += ["", "## Targets (issue 7)", "", "| target | measured | goal | result |", "|---|---|---|---|"]
    lines += [f"| {name} | {measured} | {goal} | {verdict} |" for name, measured, goal, verdict
              in targets(results, runs, goals)]
    lines += context(runs)

    lines += ["", "## Non-streaming, zero-delay upstream", ""]
    lines += load_table(runs, "0ms", WITH_FLOOR + tuple(results["variants"]))
    lines += ["", "## Non-streaming, zero-delay upstream, 8 KB prompt resent on every request (about 1,600 tokens)", ""]
    lines += load_table(runs, "large-0ms", WITH_FLOOR + tuple(results["variants"]))
    lines += ["", "## Non-streaming, upstream answers after 20 ms", ""]
    lines += load_table(runs, "20ms", TARGET_ORDER[:3])
    lines += ["", "## Streaming, zero-delay upstream (20 chunks + usage + [DONE] per request)", ""]
    lines += load_table(runs, "stream-0ms", TARGET_ORDER[:3])
    lines += ["", "## Streaming, 20 chunks 20 ms apart (times from sending the request)", ""]
    lines += stream_table(results["streams"])
    lines += ["", "## TokenRouter variants against the shipped settings (zero-delay upstream)", ""]
    lines += variants_table(runs, results["variants"])
    lines += ["", "## TokenRouter process", ""]
    lines += process_table(results)
    lines += ["", "## Books", ""]
    lines += books_table(results["books"])
    if results.get("soak"):
        lines += ["", "## Soak", ""]
        lines += soak_table(results["soak"])
    return "\n".join(lines) + "\n"


class Runs:
    def __init__(self, runs):
        self.by_key = {(r["scenario"], r["target"], r["conns"]): r for r in runs}

    def get(self, scenario, target, conns):
        return self.by_key.get((scenario, target, conns))

    def conns(self, scenario):
        return sorted({c for s, _, c in self.by_key if s == scenario})

    def present(self, scenario):
        return any(s == scenario for s, _, _ in self.by_key)


def header(results, args):
    started = results["started"].strftime("%Y-%m-%d %H:%M UTC")
    before = " / ".join(f"{x:.1f}" for x in results["load_before"])
    after = " / ".join(f"{x:.1f}" for x in results.get("load_after", ())) or "n/a"
    return [
        f"# TokenRouter benchmark, {started}",
        "",
        f"- Machine: {os.cpu_count()} cores; load average (1/5/15 min) {before} before, {after} after.",
        f"- Build: `{os.path.basename(args.binary)}` from commit {results.get('commit', 'unknown')}; "
        f"command `{results.get('command', '')}`.",
        f"- Load: wrk, 1 thread, {args.duration or (2 if args.quick else 10)} s per run "
        f"(20 ms runs half that){' (--quick)' if args.quick else ''}; whole run {results.get('elapsed_s', 0) / 60:.1f} min.",
        "- Latencies in ms; \"added\" is the target's value minus the direct upstream's in the same run.",
        "- Memory and sizes in MiB (2^20 bytes).",
    ]


def ms(us):
    return f"{us / 1000:.3f}"


def targets(results, runs, goals):
    rows = []

    tr, ng = runs.get("0ms", "tokenrouter", 64), runs.get("0ms", "nginx", 64)
    if tr and ng:
        share = tr["rps"] / ng["rps"]
        rows.append(("Throughput, 64 conns, zero-delay upstream, vs nginx",
                     f"{tr['rps']:,.0f} vs {ng['rps']:,.0f} req/s = {share:.0%} "
                     f"(CPU per request {cpu(tr)} vs {cpu(ng)} us)",
                     f">= {goals['throughput']:.0%}", verdict(share >= goals["throughput"])))

    tr, ng, direct = (runs.get("0ms", t, 1) for t in ("tokenrouter", "nginx", "direct"))
    if tr and ng and direct:
        tr_added = (tr["p50"] - direct["p50"]) / 1000
        ng_added = (ng["p50"] - direct["p50"]) / 1000
        ratio = tr_added / ng_added if ng_added > 0 else float("inf")
        rows.append(("Added p50 latency, 1 conn, vs nginx's added p50",
                     f"+{tr_added:.3f} ms vs +{ng_added:.3f} ms = {ratio:.1f}x",
                     f"<= {goals['added_p50_ratio']:g}x", verdict(ratio <= goals["added_p50_ratio"])))

    streams = results["streams"]
    if "tokenrouter" in streams and "direct" in streams:
        added = median_of(streams["tokenrouter"]["one"], "ttfb") - median_of(streams["direct"]["one"], "ttfb")
        rows.append(("Streaming: added time to first byte, p50 (one stream at a time)", f"+{added:.3f} ms",
                     f"< {goals['stream_ttfb_added_ms']:g} ms", verdict(added < goals["stream_ttfb_added_ms"])))
        pacing = []
        ok = True
        for probe in ("one", "many"):
            mine, base = batched(streams["tokenrouter"][probe]), batched(streams["direct"][probe])
            ok &= mine[0] <= base[0] + 0.01 * mine[1]
            pacing.append(f"{mine[0]} of {mine[1]} gaps < 10 ms (direct {base[0]})")
        rows.append(("Streaming: chunk pacing kept (no batching)", "; ".join(pacing),
                     "no more short gaps than direct (+1 % of gaps for client jitter)", verdict(ok)))

    process = results["process"]
    if "idle_rss_mib" in process:
        rows.append(("Idle RSS", f"{process['idle_rss_mib']:.1f} MiB", f"< {goals['idle_rss_mib']} MiB",
                     verdict(process["idle_rss_mib"] < goals["idle_rss_mib"])))
    if "peak_rss_256_mib" in process:
        rows.append(("Peak RSS under 256 connections", f"{process['peak_rss_256_mib']:.1f} MiB",
                     f"< {goals['peak_rss_mib']} MiB", verdict(process["peak_rss_256_mib"] < goals["peak_rss_mib"])))
    soak = results.get("soak")
    if soak:
        rows.append(("No RSS growth over the soak", f"{soak['early']:.1f} -> {soak['late']:.1f} MiB "
                     f"over {soak['seconds']} s (max {soak['max']:.1f})", "late <= early x 1.1 + 4 MiB",
                     verdict(not soak["grew"])))
    else:
        rows.append(("No RSS growth over a 10-minute soak", "not run (use --soak 600)", "no growth", "n/a"))
    if "startups_ms" in process:
        median = statistics.median(process["startups_ms"])
        rows.append(("Start-up to first answered chat request",
                     f"{median:.0f} ms median of {len(process['startups_ms'])} (max {max(process['startups_ms']):.0f})",
                     f"< {goals['startup_ms']} ms", verdict(median < goals["startup_ms"])))
    if "binary_mib" in process:
        rows.append(("Binary size", f"{process['binary_mib']:.1f} MiB", f"< {goals['binary_mib']} MiB",
                     verdict(process["binary_mib"] < goals["binary_mib"])))
    books = results["books"]
    if books:
        rows.append(("Books equal the requests answered", ", ".join(
            f"{name}: {b['answered_2xx']:,} answered" for name, b in books.items()),
            "used = answered x usage; rows = answered", verdict(all(b["ok"] for b in books.values()))))
    return rows


def cpu(run):
    return f"{run['cpu_us']:.0f}" if run.get("cpu_us") is not None else "-"


def context(runs):
    """A few same-run comparisons that say where TokenRouter's cost comes from."""
    notes = []
    floor, nginx, tr = (runs.get("0ms", t, 64) for t in ("dotnet-floor", "nginx", "tokenrouter"))
    if floor and nginx and tr:
        notes.append(f"- The .NET floor (Kestrel + HttpClient, nothing else) reached {floor['rps'] / nginx['rps']:.0%} "
                     f"of nginx's throughput at 64 conns with {cpu(floor)} us of CPU per request; TokenRouter "
                     f"used {cpu(tr)} us: its own work costs {tr['cpu_us'] - floor['cpu_us']:.0f} us per request.")
    small, large = runs.get("0ms", "tokenrouter", 64), runs.get("large-0ms", "tokenrouter", 64)
    large_nginx = runs.get("large-0ms", "nginx", 64)
    if small and large and large_nginx:
        notes.append(f"- With an 8 KB prompt, resent as a conversation's history is, TokenRouter used {cpu(large)} us "
                     f"of CPU per request ({cpu(small)} with "
                     f"the short one) and reached {large['rps'] / large_nginx['rps']:.0%} of nginx.")
    one = [runs.get("0ms", t, 1) for t in ("direct", "dotnet-floor")]
    if all(one):
        notes.append(f"- At 1 conn the .NET floor added {(one[1]['p50'] - one[0]['p50']) / 1000:+.3f} ms to p50.")
    return ["", "Context:", ""] + notes if notes else []


def verdict(passed):
    return "PASS" if passed else "**MISS**"


def median_of(responses, field):
    return statistics.median(r[field] for r in responses if r[field] is not None)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def batched(responses):
    """(gaps shorter than half the 20 ms interval, all gaps): chunks that arrived together."""
    gaps = [g for r in responses for g in r["gaps"]]
    return sum(1 for g in gaps if g < 10), len(gaps)


def load_table(runs, scenario, order):
    if not runs.present(scenario):
        return ["(not run)"]
    lines = ["| conns | target | req/s | vs nginx | p50 | p99 | added p50 | added p99 | CPU us/req | non-2xx "
             "| socket errors |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for conns in runs.conns(scenario):
        direct = runs.get(scenario, "direct", conns)
        nginx = runs.get(scenario, "nginx", conns)
        for target in order:
            run = runs.get(scenario, target, conns)
            if run is None:
                continue
            share = f"{run['rps'] / nginx['rps']:.0%}" if nginx else ""
            added50 = f"{(run['p50'] - direct['p50']) / 1000:+.3f}" if direct and target != "direct" else ""
            added99 = f"{(run['p99'] - direct['p99']) / 1000:+.3f}" if direct and target != "direct" else ""
            lines.append(f"| {conns} | {target} | {run['rps']:,.0f} | {share} | {ms(run['p50'])} | {ms(run['p99'])} "
                         f"| {added50} | {added99} | {cpu(run)} | {run['non2xx']} | {run['socket_errors']} |")
    return lines


def stream_table(streams):
    if not streams:
        return ["(not run)"]
    lines = ["| probe | target | TTFB p50 | TTFB p99 | added TTFB p50 | gap p50 | gap p99 | gap max "
             "| gaps < 10 ms | last chunk to end p50 |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for probe, title in (("one", "one at a time"), ("many", "all at once")):
        base = streams.get("direct", {}).get(probe)
        for target in TARGET_ORDER:
            responses = streams.get(target, {}).get(probe)
            if not responses:
                continue
            ttfb = [r["ttfb"] for r in responses]
            gaps = [g for r in responses for g in r["gaps"]]
            added = f"{statistics.median(ttfb) - median_of(base, 'ttfb'):+.3f}" if base and target != "direct" else ""
            short, total = batched(responses)
            lines.append(
                f"| {len(responses)} {title} | {target} | {statistics.median(ttfb):.3f} | {percentile(ttfb, 99):.3f} "
                f"| {added} | {statistics.median(gaps):.2f} | {percentile(gaps, 99):.2f} | {max(gaps):.2f} "
                f"| {short} of {total} | {median_of(responses, 'tail'):.3f} |")
    return lines


def variants_table(runs, variants):
    if not variants or not runs.present("0ms"):
        return ["(none run)"]
    lines = ["`tokenrouter-quiet` is the shipped binary with `Logging__LogLevel__Default=Warning`: no "
             "Information line per request (the books are never off). Others come from `--variant`.", "",
             "| variant | settings | idle RSS | conns | req/s | vs tokenrouter | p50 | p99 | CPU us/req "
             "| CPU vs tokenrouter |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for name, variant in variants.items():
        settings = ", ".join(f"`{k}={v}`" for k, v in variant["env"].items())
        if variant.get("binary"):
            settings = f"binary `{variant['binary']}`" + (", " + settings if settings else "")
        label = f"| {name} | {settings} | {variant['idle_rss_mib']:.1f} MiB"
        for conns in runs.conns("0ms"):
            base, run = runs.get("0ms", "tokenrouter", conns), runs.get("0ms", name, conns)
            if not base or not run:
                continue
            cpu_share = (f"{run['cpu_us'] / base['cpu_us'] - 1:+.0%}"
                         if run.get("cpu_us") and base.get("cpu_us") else "")
            lines.append(f"{label} | {conns} | {run['rps']:,.0f} | {run['rps'] / base['rps'] - 1:+.0%} "
                         f"| {ms(run['p50'])} | {ms(run['p99'])} | {cpu(run)} | {cpu_share} |")
            label = "| | |"
    return lines


def process_table(results):
    p = results["process"]
    startups = ", ".join(f"{x:.0f}" for x in p.get("startups_ms", []))
    startup_cpu = ", ".join(f"{x:.0f}" for x in p.get("startup_cpu_ms", []))
    rows = [
        ("RSS idle (started, one request answered, 2 s quiet)", f"{p.get('idle_rss_mib', 0):.1f} MiB"),
        ("RSS peak during the 256-connection run", f"{p.get('peak_rss_256_mib', 0):.1f} MiB"),
        ("RSS peak over all load (sampled every 200 ms)", f"{p.get('peak_rss_mib', 0):.1f} MiB"),
        ("VmHWM (kernel's high-water mark) after all load", f"{p.get('hwm_mib', 0):.1f} MiB"),
        ("RSS 5 s after load", f"{p.get('after_rss_mib', 0):.1f} MiB"),
        ("Start-up to first answered chat request (existing database)", f"{startups} ms"),
        ("CPU the process had used by its first answer (same starts)", f"{startup_cpu} ms"),
        ("First start on a new database to /healthz (migrations)", f"{p.get('first_start_ms', 0):.0f} ms"),
        ("Binary size", f"{p.get('binary_mib', 0):.1f} MiB"),
    ]
    return ["| measure | value |", "|---|--:|"] + [f"| {name} | {value} |" for name, value in rows]


def books_table(books):
    lines = ["| instance | answered 2xx | answered other | used (delta) | expected used | log rows (delta) "
             "| rows with 200 | result |", "|---|--:|--:|--:|--:|--:|--:|---|"]
    for name, b in books.items():
        lines.append(f"| {name} | {b['answered_2xx']:,} | {b['answered_other']:,} | {b['used']:,} "
                     f"| {b['expected_used']:,} | {b['rows']:,} | {b['rows_200']:,} | {verdict(b['ok'])} |")
    return lines


def soak_table(soak):
    samples = ", ".join(f"{x:.0f}" for x in soak["samples"])
    return [
        f"{soak['seconds']} s at 64 connections on the 20 ms model, every 4th request streamed: "
        f"{soak['rps']:,.0f} req/s, p99 {ms(soak['p99'])} ms.",
        "",
        "| RSS first | RSS last | RSS max | median, first tenth | median, last tenth |",
        "|--:|--:|--:|--:|--:|",
        f"| {soak['first']:.1f} | {soak['last']:.1f} | {soak['max']:.1f} | {soak['early']:.1f} | {soak['late']:.1f} |",
        "",
        f"Samples (MiB, every 10 s): {samples}",
    ]
