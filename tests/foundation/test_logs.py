import json
import logging

from plutarc.logs import REDACTOR, configure, log_event


def test_secrets_never_reach_a_log_line(tmp_path):
    secret = "s3cr3t-VALUE-9f8e7d"
    REDACTOR.add(secret)
    log_file = tmp_path / "plutarc.log"
    logger = configure("debug", log_file)
    log_event(logger, f"signing with {secret}", venue="bitmex", key_secret=secret)
    logger.info("config api_secret=hunter22 and passphrase: xyzzy")
    try:
        raise RuntimeError(f"auth failed for {secret}")
    except RuntimeError:
        logger.exception("boom")
    for handler in logger.handlers:
        handler.flush()
    text = log_file.read_text()
    assert secret not in text
    assert "hunter22" not in text and "xyzzy" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["msg"] == "signing with ***" and lines[0]["venue"] == "bitmex"
    assert lines[0]["key_secret"] == "***"
    assert "***" in lines[2]["exc"]
    assert all({"ts", "level", "logger", "msg"} <= line.keys() for line in lines)
    logging.getLogger("plutarc").handlers.clear()
