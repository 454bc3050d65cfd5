"""Mail through a real SMTP server on 127.0.0.1: plain relay, STARTTLS, implicit TLS, login; settings choose."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr, ValidationError
from tests.fixtures.smtp_sink import SmtpSink

from cnocare.security.mail import MailDeliveryError, MailMessage, OutboxMailer, SmtpMailer, default_mailer
from cnocare.security.settings import SecuritySettings

PASSWORD = "s3cret-relay-password"
MESSAGE = MailMessage(to="nurse@example.org", subject="Diary reminder", body="Please fill in today's diary.")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, trusted by the mailer through smtp_ca_file."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_a_plain_local_relay_receives_the_message(smtp_sink: SmtpSink) -> None:
    default_mailer(smtp_sink.settings()).send(MESSAGE)
    got = smtp_sink.wait_for(lambda m: m["Subject"] == "Diary reminder")
    assert got["To"] == "nurse@example.org" and got["From"] == "clinic@example.org"
    assert "fill in today's diary" in got.get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the sink's implicit TLS
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login_delivers_and_the_password_is_never_logged(
        security: str, certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    sink = SmtpSink(tls=security, cert=certificate, login=("cnocare", PASSWORD)).start()
    try:
        settings = sink.settings(smtp_security=security, smtp_username="cnocare", smtp_password=PASSWORD,
                                 smtp_ca_file=certificate[0])
        mailer = default_mailer(settings)
        with caplog.at_level(logging.DEBUG):
            mailer.send(MESSAGE)
        sink.wait_for(lambda m: m["Subject"] == "Diary reminder")
        assert sink.logins == ["cnocare"]
        assert PASSWORD not in caplog.text and PASSWORD not in repr(mailer) and PASSWORD not in repr(settings)
    finally:
        sink.stop()


def test_a_wrong_password_is_refused_in_words_that_do_not_repeat_it(certificate: tuple[Path, Path]) -> None:
    sink = SmtpSink(tls="starttls", cert=certificate, login=("cnocare", PASSWORD)).start()
    try:
        mailer = SmtpMailer(host=sink.host, port=sink.port, security="starttls", username="cnocare",
                            password=SecretStr("wrong-guess-123"), ca_file=certificate[0])
        with pytest.raises(MailDeliveryError, match=rf"SMTP server 127\.0\.0\.1:{sink.port} \(starttls\)") as refused:
            mailer.send(MESSAGE)
        assert "wrong-guess-123" not in str(refused.value) and sink.messages == []
    finally:
        sink.stop()


def test_starttls_never_falls_back_to_clear_text(smtp_sink: SmtpSink) -> None:
    mailer = SmtpMailer(host=smtp_sink.host, port=smtp_sink.port, security="starttls")
    with pytest.raises(MailDeliveryError, match="STARTTLS"):
        mailer.send(MESSAGE)
    assert smtp_sink.messages == []


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    sink = SmtpSink(tls="ssl", cert=certificate).start()
    try:
        with pytest.raises(MailDeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            SmtpMailer(host=sink.host, port=sink.port, security="ssl").send(MESSAGE)  # no ca_file: system CAs
    finally:
        sink.stop()


def test_nobody_listening_is_a_delivery_error_naming_the_server() -> None:
    from tests.fixtures.smtp_sink import free_port

    port = free_port()
    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{port}"):
        SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5).send(MESSAGE)


def test_the_outbox_stays_the_default(tmp_path: Path) -> None:
    mailer = default_mailer(SecuritySettings(data_dir=tmp_path))
    assert isinstance(mailer, OutboxMailer) and mailer.directory == tmp_path / "outbox"


def test_smtp_settings_from_the_environment_and_a_config_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_MAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("CNOCARE_SMTP_HOST", "smtp.example-hospital.org")
    monkeypatch.setenv("CNOCARE_SMTP_SECURITY", "ssl")
    settings = SecuritySettings()
    assert settings.smtp_port_or_default == 465
    mailer = default_mailer(settings)
    assert isinstance(mailer, SmtpMailer) and (mailer.host, mailer.port) == ("smtp.example-hospital.org", 465)
    config = tmp_path / "cnocare.toml"
    config.write_text('smtp_username = "cnocare"\nsmtp_password = "from-the-file"\nsmtp_port = 2465\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    settings = SecuritySettings()
    assert settings.smtp_port_or_default == 2465 and settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "from-the-file"


@pytest.mark.parametrize(("values", "message"), [
    ({"mail_transport": "smtp"}, "CNOCARE_SMTP_HOST is required when CNOCARE_MAIL_TRANSPORT=smtp"),
    ({"smtp_host": "relay", "smtp_security": "none", "smtp_username": "u", "smtp_password": "p"},
     "would send the password unencrypted; accepted: starttls or ssl"),
    ({"smtp_host": "relay", "smtp_password": "p"}, "CNOCARE_SMTP_PASSWORD is set but CNOCARE_SMTP_USERNAME is not"),
    ({"smtp_security": "tls"}, "smtp_security"),
])
def test_mail_settings_that_cannot_work_are_refused_by_name(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SecuritySettings(**values)  # type: ignore[arg-type]
