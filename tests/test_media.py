"""Media messages through the SDK against a DevServer (in a child process, so the SDK's memory
is measured alone): files streamed up and back byte for byte, progress, uploads that never hold
up other calls, every check before an upload, and nothing half-stored."""

from __future__ import annotations

import hashlib
import os
import statistics
import threading
import time
import tracemalloc
import unittest
from typing import Any

import requests

from cometchat import (
    Attachment,
    CometChat,
    File,
    Group,
    MediaMessage,
    MessagesRequest,
    MessageType,
    ReceiverType,
    TextMessage,
)
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled, waitFor
from helpers import error_of, new_guid, ok, scratch_dir

ALICE, BOB = "cometchat-uid-1", "cometchat-uid-2"
MiB = 1024 * 1024


def write_file(folder: str, name: str, size: int) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as out:
        for _ in range(size // MiB):
            out.write(os.urandom(MiB))
        out.write(os.urandom(size % MiB))
    return path


def digest_of_url(url: str) -> bytes:
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=scaled(30)) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(MiB):
            digest.update(chunk)
    return digest.digest()


def digest_of_file(path: str) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MiB):
            digest.update(chunk)
    return digest.digest()


def upload_threads(client: Any) -> list[str]:
    return [name for name in client.statistics().threads if name.startswith("cometchat-upload")]


class MediaTest(DevServerMixin, unittest.TestCase):
    server_options = {"process": True}

    def setUp(self) -> None:
        self.folder = scratch_dir(self)
        self.alice = self.newClient(ALICE)
        self.bob = self.newClient(BOB)
        self.heard = EventRecorder()
        self.bob.addMessageListener("heard", self.heard)
        ok(self.bob.connect())

    def files_on_server(self) -> list[str]:
        return os.listdir(os.path.splitext(self.server.db_path)[0] + "-files")

    def media(self, **fields: Any) -> MediaMessage:
        fields.setdefault("messageType", CometChat.MessageType.file)
        return MediaMessage(receiverUid=BOB, receiverType=ReceiverType.user, **fields)

    def test_a_20_mib_file_goes_up_and_comes_back_byte_for_byte_without_the_sdk_holding_it(self) -> None:
        path = write_file(self.folder, "video.mp4", 20 * MiB)
        tracemalloc.start()
        try:
            sent = ok(self.alice.sendMediaMessage(message=self.media(fileurl=path,
                                                                     messageType=MessageType.video)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 4 * MiB)  # streamed from the disk, never read whole (the server is elsewhere)
        self.assertIsInstance(sent, MediaMessage)
        self.assertEqual((sent.attachment.fileName, sent.attachment.fileSize, sent.attachment.fileMimeType),
                         ("video.mp4", 20 * MiB, "video/mp4"))
        self.assertEqual(digest_of_url(sent.attachment.fileUrl), digest_of_file(path))
        received = self.heard.waitFor("onMediaMessageReceived").arg
        self.assertEqual((received.id, received.messageType, received.attachment.fileUrl),
                         (sent.id, MessageType.video, sent.attachment.fileUrl))

    def test_bytes_in_memory_and_files_already_online(self) -> None:
        picture = File(name="dot.png", data=b"\x89PNG fake image bytes")
        message = self.media(files=[picture], messageType=MessageType.image)
        message.caption = "a picture"
        message.tags = ["holiday"]
        message.metaData = {"camera": "phone"}
        sent = ok(self.alice.sendMediaMessage(message=message))
        self.assertEqual((sent.caption, sent.tags, sent.metaData), ("a picture", ["holiday"], {"camera": "phone"}))
        self.assertEqual(requests.get(sent.attachment.fileUrl, timeout=scaled(10)).content, picture.data)
        hosted = self.media()
        hosted.attachment = Attachment(fileName="manual.pdf", fileExtension="pdf", fileMimeType="application/pdf",
                                       fileUrl="https://cdn.example.test/manual.pdf")
        online = ok(self.alice.sendMediaMessage(message=hosted))
        self.assertEqual(online.attachment.fileUrl, "https://cdn.example.test/manual.pdf")
        received = [self.heard.waitFor("onMediaMessageReceived", n).arg for n in (1, 2)]
        self.assertEqual([m.id for m in received], [sent.id, online.id])
        self.assertEqual(received[0].caption, "a picture")
        images = ok(MessagesRequest.MessageRequestBuilder(client=self.bob).set(uid=ALICE).set(
            types=["image"]).build().fetchPrevious())
        self.assertEqual([m.id for m in images], [sent.id])

    def test_several_files_in_one_message_come_back_byte_for_byte(self) -> None:
        paths = [write_file(self.folder, name, size) for name, size in
                 (("first.bin", 300_000), ("second.txt", 2000), ("third.jpg", 70_000))]
        in_memory = File(name="memory.bin", data=os.urandom(50_000))
        sent = ok(self.alice.sendMediaMessage(message=self.media(fileurl=paths[0], filePaths=paths[1:],
                                                                 files=[in_memory])))
        expected = [(os.path.basename(p), os.path.getsize(p), digest_of_file(p)) for p in paths]
        expected.append(("memory.bin", 50_000, hashlib.sha256(in_memory.data).digest()))
        self.assertEqual([(a.fileName, a.fileSize, digest_of_url(a.fileUrl)) for a in sent.attachments], expected)
        self.assertEqual(sent.attachment.fileUrl, sent.attachments[0].fileUrl)
        received = self.heard.waitFor("onMediaMessageReceived").arg
        self.assertEqual([a.fileUrl for a in received.attachments], [a.fileUrl for a in sent.attachments])

    def test_a_media_message_to_a_group_reaches_its_members(self) -> None:
        guid = new_guid("media")
        ok(self.alice.createGroup(group=Group(guid=guid, name=guid)))
        ok(self.bob.joinGroup(GUID=guid, groupType=CometChat.groupType.public))
        message = MediaMessage(receiverUid=guid, receiverType=ReceiverType.group, messageType=MessageType.image,
                               files=[File(name="group.png", data=b"\x89PNG for the group")])
        sent = ok(self.alice.sendMediaMessage(message=message))
        received = self.heard.waitFor("onMediaMessageReceived").arg
        self.assertIsInstance(received, MediaMessage)
        self.assertEqual((received.id, received.receiverUid, received.receiverType, received.senderUid),
                         (sent.id, guid, ReceiverType.group, ALICE))
        self.assertEqual(requests.get(received.attachment.fileUrl, timeout=scaled(10)).content, b"\x89PNG for the group")

    def test_progress_runs_on_the_dispatch_queue(self) -> None:
        threads: list[str] = []
        sent = ok(self.alice.sendMediaMessage(message=self.media(fileurl=write_file(self.folder, "p.bin", 3 * MiB)),
                                              onProgress=lambda s, t: threads.append(threading.current_thread().name)))
        self.alice.flush(scaled(5))  # (the last call is posted before the answer comes)
        self.assertEqual(sent.attachment.fileSize, 3 * MiB)
        self.assertTrue(threads)
        self.assertEqual(set(threads), {"cometchat-callbacks"})  # never the upload's own thread

    def test_everything_is_checked_before_an_upload(self) -> None:
        sparse = os.path.join(self.folder, "huge.bin")
        with open(sparse, "wb") as out:
            out.truncate(100 * MiB + 1)  # over file.size.max, without the disk space
        cases = [
            (self.media(fileurl=os.path.join(self.folder, "missing.png")), "ERROR_FILE_NOT_READABLE"),
            (self.media(fileurl=self.folder), "ERROR_FILE_NOT_READABLE"),
            (self.media(fileurl=sparse), "ERR_FILE_SIZE_EXCEEDED"),
            (self.media(files=[File(name=f"{n}.txt", data=b"x") for n in range(11)]), "ERR_FILE_COUNT_EXCEEDED"),
            (self.media(files=["not a File"]), "ERR_INVALID_FILE_OBJECT"),
            (self.media(), "ERR_INVALID_FILE_OBJECT"),
            (self.media(files=[File(name="a.txt", data=b"x")], messageType="text"), "INVALID_MESSAGE_TYPE"),
            (MediaMessage(receiverUid="", fileurl=sparse, messageType="file"), "INVALID_RECEIVER_ID"),
            (TextMessage(receiverUid=BOB, text="not media"), "ERROR_INVALID_MESSAGE"),
        ]
        a_file = [File(name="a.txt", data=b"x")]
        hosted = Attachment(fileName="x.pdf", fileExtension="pdf", fileMimeType="application/pdf",
                            fileUrl="https://cdn.example.test/x.pdf")
        cases += [  # what each field holds is checked before anything reads it
            (self.media(files=a_file[0]), "ERR_INVALID_FILE_OBJECT"),  # a File, not a list of them
            (self.media(filePaths=5), "ERR_INVALID_FILE_OBJECT"),
            (self.media(filePaths=sparse), "ERR_INVALID_FILE_OBJECT"),  # a path, not a list of them
            (self.media(filePaths=[5]), "ERR_INVALID_FILE_OBJECT"),
            (self.media(attachment={"url": "https://cdn.example.test/x.pdf"}), "ERR_INVALID_FILE_OBJECT"),
            (self.media(attachments=hosted), "ERR_INVALID_FILE_OBJECT"),
            (self.media(attachments=[hosted, {"url": "https://cdn.example.test/y.pdf"}]), "ERR_INVALID_FILE_OBJECT"),
            (self.media(files=a_file, caption=5), "ERROR_INVALID_PAYLOAD"),
            (self.media(files=a_file, tags="holiday"), "ERROR_INVALID_PAYLOAD"),  # not 7 one-letter tags
            (self.media(attachment=hosted, tags="holiday"), "ERROR_INVALID_PAYLOAD"),
            (self.media(files=a_file, tags=[1, None]), "ERROR_INVALID_PAYLOAD"),
            (self.media(files=a_file, metaData=["not", "an", "object"]), "ERROR_INVALID_PAYLOAD"),
            (self.media(attachment=Attachment(fileName="x.pdf", fileExtension="pdf", fileMimeType="application/pdf",
                                              fileUrl="https://cdn.example.test/x.pdf", fileSize=float("nan"))),
             "ERROR_INVALID_PAYLOAD"),
        ]
        before = len(self.server.requests("POST", "/v3.0/messages"))
        for message, code in cases:
            with self.subTest(code=code):
                self.assertEqual(error_of(self.alice.sendMediaMessage(message=message)).errorCode, code)
        if os.geteuid() != 0:  # root reads anything
            locked = write_file(self.folder, "locked.txt", 10)
            os.chmod(locked, 0)
            self.assertEqual(error_of(self.alice.sendMediaMessage(message=self.media(fileurl=locked))).errorCode,
                             "ERROR_FILE_NOT_READABLE")
        self.assertEqual(len(self.server.requests("POST", "/v3.0/messages")), before)  # nothing went out

    def test_a_message_type_given_as_text_is_the_enum(self) -> None:
        message = MediaMessage(receiverUid=BOB, files=[File(name="a.txt", data=b"x")], messageType="file")
        self.assertIs(message.messageType, MessageType.file)  # as receiverType is read
        self.assertIs(message.receiverType, ReceiverType.user)
        self.assertIs(ok(self.alice.sendMediaMessage(message=message)).messageType, MessageType.file)
        unknown = MediaMessage(receiverUid=BOB, files=[File(name="a.txt", data=b"x")], messageType="sticker")
        self.assertEqual(unknown.messageType, "sticker")  # kept for the send to refuse
        self.assertEqual(error_of(self.alice.sendMediaMessage(message=unknown)).errorCode, "INVALID_MESSAGE_TYPE")

    def test_odd_names_and_unsendable_captions(self) -> None:
        raw_name = os.path.join(os.fsencode(self.folder), b"caf\xe9 \"quoted\".txt")  # not UTF-8 on disk
        with open(raw_name, "wb") as out:
            out.write(b"latin-1 name")
        sent = ok(self.alice.sendMediaMessage(message=self.media(fileurl=os.fsdecode(raw_name))))
        self.assertEqual(sent.attachment.fileName, 'caf\ufffd "quoted".txt')
        self.assertEqual(requests.get(sent.attachment.fileUrl, timeout=scaled(10)).content, b"latin-1 name")
        bad = self.media(files=[File(name="a.txt", data=b"x")])
        bad.caption = "half a pair \ud800"
        self.assertEqual(error_of(self.alice.sendMediaMessage(message=bad)).errorCode, "ERROR_INVALID_PAYLOAD")
        bad.caption, bad.metaData = "fine", {"x": float("nan")}
        self.assertEqual(error_of(self.alice.sendMediaMessage(message=bad)).errorCode, "ERROR_INVALID_PAYLOAD")

    def test_a_refused_upload_leaves_no_message_and_no_file(self) -> None:
        before = self.files_on_server()
        message = MediaMessage(receiverUid="nobody-at-all", fileurl=write_file(self.folder, "a.txt", 1000),
                               messageType="file", receiverType=ReceiverType.user)
        self.assertEqual(error_of(self.alice.sendMediaMessage(message=message)).errorCode, "ERR_UID_NOT_FOUND")
        self.assertEqual(self.files_on_server(), before)

    def test_a_token_the_server_forgot_is_reported_as_such_not_as_a_cancelled_upload(self) -> None:
        login_events = EventRecorder()
        self.alice.addLoginListener("events", login_events)
        before = self.files_on_server()
        for size in (1000, 30 * MiB):  # all sent before the answer; the answer while still sending
            with self.subTest(size=size):
                ok(self.alice.login(UID=ALICE, authKey=self.server.auth_key))
                big = os.path.join(self.folder, f"{size}.bin")
                with open(big, "wb") as out:
                    out.truncate(size)
                self.server.delete_auth_tokens(ALICE)
                error = error_of(self.alice.sendMediaMessage(message=self.media(fileurl=big)))
                self.assertEqual(error.errorCode, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")  # the server's word
                waitFor(lambda: self.alice.getLoggedInUser() is None)  # and the user is logged out locally
                self.assertEqual(self.files_on_server(), before)
        login_events.waitFor("onLogoutSuccess", 2)  # the app heard of each logout

    def test_swift_style_from_inside_callbacks(self) -> None:
        done = threading.Event()
        outcome: dict[str, Any] = {}
        path = write_file(self.folder, "notes.txt", 2000)

        def sent(message: MediaMessage) -> None:
            outcome["sent"] = message
            done.set()

        def logged_in(user: Any) -> None:
            self.alice.sendMediaMessage(message=self.media(fileurl=path), onSuccess=sent,
                                        onError=lambda e: (outcome.update(error=e), done.set()))

        ok(self.alice.logout())
        self.alice.login(UID=ALICE, authKey=self.server.auth_key, onSuccess=logged_in, onError=lambda e: done.set())
        self.assertTrue(done.wait(scaled(20)))
        self.assertNotIn("error", outcome)
        self.assertEqual(outcome["sent"].attachment.fileSize, 2000)


class AppLimitsTest(DevServerMixin, unittest.TestCase):
    """The limits are the app's settings (``file.size.max``, ``file.count.max``), read by the SDK
    at login: what is over them never leaves the SDK."""

    server_options = {"file_size_max": 1000, "file_count_max": 2}

    def setUp(self) -> None:
        self.folder = scratch_dir(self)
        self.alice = self.newClient(ALICE)

    def media(self, **fields: Any) -> MediaMessage:
        return MediaMessage(receiverUid=BOB, receiverType=ReceiverType.user, messageType="file", **fields)

    def hosted(self, n: int) -> list[Attachment]:
        return [Attachment(fileName=f"{i}.pdf", fileExtension="pdf", fileMimeType="application/pdf",
                           fileUrl=f"https://cdn.example.test/{i}.pdf") for i in range(n)]

    def sends(self) -> int:
        return len(self.server.requests("POST", "/v3.0/messages"))

    def refused(self, message: MediaMessage, code: str) -> None:
        before = self.sends()
        self.assertEqual(error_of(self.alice.sendMediaMessage(message=message)).errorCode, code)
        self.assertEqual(self.sends(), before)  # nothing went out

    def test_the_sdk_applies_the_apps_limits_before_sending(self) -> None:
        before = self.sends()
        at_the_limit = ok(self.alice.sendMediaMessage(message=self.media(files=[
            File(name="a.txt", data=b"a" * 400), File(name="b.txt", data=b"b" * 400)])))
        self.assertEqual(len(at_the_limit.attachments), 2)
        self.assertEqual(self.sends(), before + 1)  # what is within the limits goes out
        self.refused(self.media(files=[File(name="big.txt", data=b"x" * 1001)]), "ERR_FILE_SIZE_EXCEEDED")
        self.refused(self.media(fileurl=write_file(self.folder, "big.bin", 1001)), "ERR_FILE_SIZE_EXCEEDED")
        self.refused(self.media(files=[File(name=f"{n}.txt", data=b"x") for n in range(3)]),
                     "ERR_FILE_COUNT_EXCEEDED")

    def test_the_files_of_a_message_together_are_within_file_size_max(self) -> None:
        each_within = [File(name="a.txt", data=b"a" * 600), File(name="b.txt", data=b"b" * 600)]
        self.refused(self.media(files=each_within), "ERR_FILE_SIZE_EXCEEDED")
        self.refused(self.media(files=each_within[:1], fileurl=write_file(self.folder, "c.bin", 600)),
                     "ERR_FILE_SIZE_EXCEEDED")

    def test_hosted_attachments_count_too(self) -> None:
        before = self.sends()
        two = ok(self.alice.sendMediaMessage(message=self.media(attachments=self.hosted(2))))
        self.assertEqual([a.fileUrl for a in two.attachments], [a.fileUrl for a in self.hosted(2)])
        self.assertEqual(self.sends(), before + 1)
        self.refused(self.media(attachments=self.hosted(3)), "ERR_FILE_COUNT_EXCEEDED")


class SlowLinkTest(DevServerMixin, unittest.TestCase):
    """Uploads over a throttled link: progress, other calls meanwhile, cancelling."""

    RATE = 2 * MiB  # bytes per second
    SIZE = 8 * MiB

    def setUp(self) -> None:
        self.folder = scratch_dir(self)
        self.proxy = FaultProxy(self.server.url).start()
        self.addCleanup(self.proxy.stop)
        self.alice = self.newClient(ALICE, via=self.proxy)
        self.path = write_file(self.folder, "big.bin", self.SIZE)

    def upload(self, progress: list[tuple[float, int, int]], started: threading.Event) -> Any:
        def on_progress(sent: int, total: int) -> None:
            progress.append((time.monotonic(), sent, total))
            started.set()

        message = MediaMessage(receiverUid=BOB, fileurl=self.path, messageType="file", receiverType=ReceiverType.user)
        return self.alice.sendMediaMessage(message=message, onProgress=on_progress)

    def test_progress_at_most_ten_a_second_and_once_at_the_end_while_other_calls_go_on(self) -> None:
        progress: list[tuple[float, int, int]] = []
        started = threading.Event()
        with self.proxy.throttle(self.RATE):
            began = time.monotonic()
            upload = self.upload(progress, started)
            self.assertTrue(started.wait(scaled(10)))
            self.assertEqual(len(upload_threads(self.alice)), 1)
            text = self.alice.sendTextMessage(message=TextMessage(receiverUid=BOB, text="meanwhile",
                                                                  receiverType=ReceiverType.user))
            ok(text)
            self.assertFalse(upload.done())  # the send did not wait behind the upload
            sent = upload.result(scaled(60))
        elapsed = time.monotonic() - began
        self.assertEqual(sent.attachment.fileSize, self.SIZE)
        totals = [total for _, _, total in progress]
        self.assertEqual(set(totals), {totals[0]})
        self.assertEqual([(s, t) for _, s, t in progress].count((totals[0], totals[0])), 1)  # once at the end...
        self.assertEqual(progress[-1][1], totals[0])  # ...and last
        self.assertEqual([p[1] for p in progress], sorted(p[1] for p in progress))
        self.assertGreaterEqual(len(progress), 5)
        self.assertLessEqual(len(progress), 10 * elapsed + 2)
        # (the calls are posted at least 0.1 s apart; a busy dispatch thread may run two closer)
        gaps = [b[0] - a[0] for a, b in zip(progress[:-2], progress[1:-1])]
        self.assertGreaterEqual(statistics.median(gaps), 0.08, gaps)
        waitFor(lambda: upload_threads(self.alice) == [])  # the upload's thread ends with it

    def test_at_most_four_uploads_at_once_and_all_of_them_done(self) -> None:
        small = write_file(self.folder, "small.bin", MiB)
        running: list[int] = []  # how many upload threads there were, at each progress call

        def sample(sent: int, total: int) -> None:
            running.append(len(upload_threads(self.alice)))

        with self.proxy.throttle(self.RATE):
            futures = [self.alice.sendMediaMessage(message=MediaMessage(
                receiverUid=BOB, fileurl=small, messageType="file", receiverType=ReceiverType.user),
                onProgress=sample) for _ in range(6)]
            sent = [f.result(timeout=scaled(60)) for f in futures]
        self.assertEqual(len({m.id for m in sent}), 6)
        self.assertEqual(max(running), 4)  # four ran side by side; the others waited their turn

    def test_close_cancels_stalled_uploads_within_its_deadline(self) -> None:
        small = write_file(self.folder, "stalled.bin", 2 * MiB)
        with self.proxy.blackhole():
            futures = [self.alice.sendMediaMessage(message=MediaMessage(
                receiverUid=BOB, fileurl=small, messageType="file", receiverType=ReceiverType.user))
                for _ in range(5)]
            waitFor(lambda: len(upload_threads(self.alice)) == 4)
            began = time.monotonic()
            self.alice.close()
            self.assertLess(time.monotonic() - began, 6.0)  # one deadline for all, not one each
        queued = [f for f in futures if f.done()]
        self.assertTrue(queued)  # the one that never started was answered at once
        self.assertTrue(all(error_of(f).errorCode == "ERROR_UPLOAD_FAILED" for f in queued))

    def test_logging_out_cancels_an_upload(self) -> None:
        progress: list[tuple[float, int, int]] = []
        started = threading.Event()
        files_dir = os.path.splitext(self.server.db_path)[0] + "-files"
        before = os.listdir(files_dir)
        with self.proxy.throttle(self.RATE):
            upload = self.upload(progress, started)
            self.assertTrue(started.wait(scaled(10)))
            ok(self.alice.logout())
            error = error_of(upload)
        self.assertEqual(error.errorCode, "ERROR_UPLOAD_FAILED")
        waitFor(lambda: upload_threads(self.alice) == [])
        waitFor(lambda: os.listdir(files_dir) == before)  # the server kept nothing of it


if __name__ == "__main__":
    unittest.main()
