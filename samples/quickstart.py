"""Quickstart: start the local CometChat-compatible server and talk to it.

Run with no arguments. It starts an embedded ``DevServer``, logs two users in over REST,
connects both to the WebSocket, sends a message from one to the other and shows it arrive.
(The SDK walkthrough replaces this script once the SDK exists.)
"""

from __future__ import annotations

import json
import sys

import requests
import websocket

from cometchat.devserver import DevServer


def login(server: DevServer, uid: str, session: str) -> dict:
    admin = {"appId": server.app_id, "apiKey": server.auth_key}
    token = requests.post(f"{server.url}/v3.0/users/{uid}/auth_tokens", headers=admin, timeout=10).json()
    headers = {"appId": server.app_id, "authToken": token["data"]["authToken"], "resource": session}
    me = requests.put(f"{server.url}/v3.0/me", headers=headers, json={"deviceId": session}, timeout=10).json()
    return dict(me["data"], headers=headers)


def open_socket(server: DevServer, me: dict, session: str) -> websocket.WebSocket:
    settings = me["settings"]
    ws = websocket.create_connection(f"ws://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}/", timeout=10)
    auth = {"appId": server.app_id, "deviceId": session, "type": "auth", "sender": me["uid"],
            "body": {"auth": me["jwt"], "deviceId": session, "presenceSubscription": "ALL_USERS"}}
    ws.send(json.dumps(auth))
    print(f"  {me['uid']} auth reply: {ws.recv()}")
    return ws


def main() -> int:
    with DevServer() as server:
        print(f"Dev server at {server.url} (app {server.app_id})")
        alice = login(server, "cometchat-uid-1", "session-alice")
        bob = login(server, "cometchat-uid-2", "session-bob")
        print(f"Logged in {alice['name']} and {bob['name']}")
        alice_ws = open_socket(server, alice, "session-alice")
        bob_ws = open_socket(server, bob, "session-bob")
        print(f"  {alice['uid']} hears: {alice_ws.recv()}")  # bob came online
        body = {"receiver": alice["uid"], "receiverType": "user", "category": "message", "type": "text",
                "data": {"text": "Hello Alice!"}, "text": "Hello Alice!"}
        sent = requests.post(f"{server.url}/v3.0/messages", headers=bob["headers"], json=body, timeout=10).json()
        print(f"Bob sent message {sent['data']['id']}")
        frame = json.loads(alice_ws.recv())
        print(f"Alice received: {frame['body']['data']['text']!r} from {frame['sender']}")
        alice_ws.close()
        bob_ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
