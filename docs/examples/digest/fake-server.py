#!/usr/bin/env python3
"""A local stand-in for an OpenAI-compatible model server and a webhook, on 127.0.0.1 (standard library only).

POST /v1/chat/completions answers in the chat completions shape (the "summary" is the user message's first
sentence after its colon, cut to max_tokens words); POST /droprun and POST /published are the webhook: each body
is printed as one JSON line on standard output. Anything else is a 404.

    python3 fake-server.py [PORT]   (default 18765)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        if self.path == "/v1/chat/completions":
            user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
            text = user.split(":", 1)[-1].strip().split(". ")[0].rstrip(".") + "."
            words = text.split()[: int(body.get("max_tokens") or 60)]
            answer = {
                "id": "chatcmpl-local", "object": "chat.completion", "model": body.get("model", "local"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": " ".join(words)}}],
                "usage": {"prompt_tokens": len(user) // 4, "completion_tokens": len(words), "total_tokens": len(user) // 4 + len(words)},
            }
            self.reply(200, answer)
        elif self.path in ("/droprun", "/published"):
            print(json.dumps({"path": self.path, "body": body}), flush=True)
            self.reply(204, None)
        else:
            self.reply(404, {"error": {"message": "no such path: " + self.path}})

    def reply(self, status, value):
        data = b"" if value is None else json.dumps(value).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    # Room for many calls at once (parallel steps, forEach items): the default backlog of 5 resets the rest.
    request_queue_size = 256
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18765
    Server(("127.0.0.1", port), Handler).serve_forever()
