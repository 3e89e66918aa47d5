/// The report's look: one inline style sheet (no font, image or sheet from elsewhere: the page works offline).
enum ReportStyle {
    /// Colors by what they stand for, shared by the style sheet and the SVG charts.
    enum Color {
        static let succeeded = "#2f9e44"
        static let failed = "#e03131"
        static let cancelled = "#868e96"
        static let waiting = "#f59f00"
        static let running = "#1c7ed6"
        static let retried = "#ff8787"
        static let interrupted = "#845ef7"
        static let backoff = "#868e96"
        static let neutral = "#4c6ef5"
        static let grid = "#e9ecef"
        static let axis = "#868e96"
        static let text = "#212529"
    }

    static let css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f1f3f5; color: #212529;
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 40px; }
        header h1 { margin: 0; font-size: 22px; letter-spacing: -0.01em; }
        header h1 span { color: #868e96; font-weight: 400; }
        .meta { margin: 4px 0 0; color: #495057; font-size: 13px; }
        .meta code { background: #e9ecef; padding: 0 4px; border-radius: 3px; }
        nav { margin: 12px 0 16px; font-size: 13px; }
        nav a { color: #364fc7; text-decoration: none; margin-right: 14px; }
        nav a:hover { text-decoration: underline; }
        section { background: #fff; border: 1px solid #dee2e6; border-radius: 8px; padding: 14px 16px 16px; margin: 0 0 16px; }
        section h2 { margin: 0 0 10px; font-size: 15px; }
        section h2 small { color: #868e96; font-weight: 400; font-size: 12px; margin-left: 6px; }
        .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .grid > section { margin: 0 0 16px; min-width: 0; }
        @media (max-width: 860px) { .grid { grid-template-columns: 1fr; } }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; }
        .card { border: 1px solid #e9ecef; border-left: 4px solid #adb5bd; border-radius: 6px; padding: 8px 12px; background: #f8f9fa; }
        .card b { display: block; font-size: 24px; line-height: 1.2; font-variant-numeric: tabular-nums; }
        .card span { color: #495057; font-size: 12px; }
        .card.succeeded { border-left-color: \(Color.succeeded); } .card.failed { border-left-color: \(Color.failed); }
        .card.cancelled { border-left-color: \(Color.cancelled); } .card.waiting { border-left-color: \(Color.waiting); }
        .card.running { border-left-color: \(Color.running); } .card.inbox { border-left-color: \(Color.neutral); }
        table { width: 100%; border-collapse: collapse; font-size: 13px; }
        th { text-align: left; font-weight: 600; color: #495057; border-bottom: 1px solid #dee2e6; padding: 4px 6px; }
        td { border-bottom: 1px solid #f1f3f5; padding: 4px 6px; vertical-align: top; overflow-wrap: anywhere; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.id { white-space: nowrap; }
        code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
        .badge { display: inline-block; white-space: nowrap; padding: 0 7px; border-radius: 9px; font-size: 11px; font-weight: 600; color: #fff; background: #adb5bd; }
        .badge.succeeded { background: \(Color.succeeded); } .badge.failed { background: \(Color.failed); }
        .badge.cancelled { background: \(Color.cancelled); } .badge.waiting { background: \(Color.waiting); }
        .muted { color: #868e96; }
        .late { color: \(Color.failed); font-weight: 600; }
        .failure { border-top: 1px solid #f1f3f5; padding: 8px 0 6px; }
        .failure:first-of-type { border-top: 0; padding-top: 0; }
        .failure .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
        .failure .head b { font-size: 13px; }
        .failure ul { margin: 4px 0 0; padding-left: 18px; }
        .failure li { color: #495057; font-size: 13px; overflow-wrap: anywhere; }
        .notice { background: #fff9db; border: 1px solid #ffe066; border-radius: 6px; padding: 8px 12px; margin: 0 0 16px; font-size: 13px; }
        .notice ul { margin: 4px 0 0; padding-left: 18px; }
        .empty { text-align: center; padding: 48px 16px; }
        .empty h2 { font-size: 18px; }
        .empty p { color: #495057; }
        .legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: #495057; margin: 0 0 10px; }
        .legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
        .legend i.dash { height: 0; border-top: 2px dashed \(Color.backoff); border-radius: 0; vertical-align: 3px; }
        .run { border-top: 1px solid #f1f3f5; padding: 10px 0 4px; }
        .run:first-of-type { border-top: 0; padding-top: 0; }
        .run .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 4px; font-size: 13px; }
        .run .head .id { font-weight: 600; font-size: 13px; }
        svg { display: block; width: 100%; height: auto; }
        svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
        footer { color: #868e96; font-size: 12px; text-align: center; margin-top: 8px; }
        """
}
