/// HTML building with escaping by default.
enum HTML {
    /// Escapes text for element content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
        header form{margin:0} main{max-width:1100px;margin:0 auto;padding:16px 24px}
        .item{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:14px 18px;margin:14px 0}
        .item.destructive{border-color:#c62828;box-shadow:0 0 0 2px #fdecea}
        .badge{display:inline-block;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600;margin-left:6px;background:#e8eaf0}
        .badge.danger{background:#c62828;color:#fff} .badge.create{background:#e3f2e5} .badge.drop{background:#fdecea}
        code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace} pre{background:#f0f2f6;padding:10px;overflow:auto;border-radius:6px}
        .actions{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-top:10px}
        button{font:inherit;padding:5px 14px;border-radius:6px;border:1px solid #888;background:#fff;cursor:pointer}
        button.approve{background:#2e7d32;color:#fff;border-color:#2e7d32} button.reject{background:#fff;color:#c62828;border-color:#c62828}
        .notice{background:#e8f0fe;border:1px solid #b6cbf5;padding:8px 12px;border-radius:6px} .muted{color:#667}
        ul{margin:6px 0 6px 18px;padding:0} table{border-collapse:collapse;font-size:13px} td{padding:2px 10px 2px 0;vertical-align:top}
        </style></head><body>\(body)</body></html>
        """
    }
}
