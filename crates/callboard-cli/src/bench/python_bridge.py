"""A Python media bridge for `callboard bench bridge --external-url`: the shape of Twilio's published
media-stream sample combined with ElevenLabs' Twilio custom-server recipe (their `outbound.js` /
`twilio_audio_interface.py`), on the `websockets` library: one asyncio task pair per call, µ-law payloads
passed through as-is (no decode, no recording, no tap: less work than the Rust bridge does).

    pip install websockets
    python3 python_bridge.py --port 8765

The agent's WebSocket URL comes in the stream's `start.customParameters.agent_ws` (the harness sets it).
"""

import argparse
import asyncio
import json

import websockets


async def bridge(carrier):
    stream_sid = None
    agent = None
    pump = None
    mark_id = 0

    async def from_agent():
        nonlocal mark_id
        async for raw in agent:
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "audio":
                payload = msg["audio_event"]["audio_base_64"]
                await carrier.send(json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}}))
                mark_id += 1
                await carrier.send(json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": f"m{mark_id}"}}))
            elif kind == "interruption":
                await carrier.send(json.dumps({"event": "clear", "streamSid": stream_sid}))
            elif kind == "ping":
                await agent.send(json.dumps({"type": "pong", "event_id": msg["ping_event"]["event_id"]}))

    try:
        async for raw in carrier:
            msg = json.loads(raw)
            event = msg.get("event")
            if event == "start":
                stream_sid = msg["start"]["streamSid"]
                url = msg["start"]["customParameters"]["agent_ws"]
                agent = await websockets.connect(url, max_size=16 * 1024 * 1024)
                await agent.send(json.dumps({"type": "conversation_initiation_client_data", "dynamic_variables": {}}))
                json.loads(await agent.recv())  # conversation_initiation_metadata
                pump = asyncio.create_task(from_agent())
            elif event == "media" and agent is not None:
                await agent.send(json.dumps({"user_audio_chunk": msg["media"]["payload"]}))
            elif event == "stop":
                break
    finally:
        if pump:
            pump.cancel()
        if agent:
            await agent.close()


async def main(port):
    async with websockets.serve(bridge, "127.0.0.1", port, max_size=1024 * 1024):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    asyncio.run(main(parser.parse_args().port))
