#!/usr/bin/env python3
"""A minimal agent for `mission serve --agent "python3 examples/echo_agent.py"`.

It reads the mission as one JSON object on stdin and answers in JSON lines on stdout:
progress as it works, an artifact, and finally the result. Wrap any agent framework or LLM
the same way: read the mission, print these lines (flushing each), exit 0.
"""
import json
import sys


def say(kind, body):
    print(json.dumps({kind: body}), flush=True)


def main():
    mission = json.loads(sys.stdin.readline())
    description = mission["objective"]["description"]
    say("progress", {"phase": "reading", "message": f"got mission {mission['mission_id']} (attempt {mission['attempt']})"})
    words = description.split()
    say("progress", {"phase": "thinking", "message": f"{len(words)} words to work with"})
    say("artifact", {"kind": "note", "uri": f"mission://{mission['mission_id']}/summary"})
    answer = " ".join(reversed(words))
    say("result", {"success": True, "final_answer": answer, "tools_used": ["echo_agent"]})


if __name__ == "__main__":
    main()
