"""The `betteruptime` command (Typer). Every failure a user can cause ends in one clear
line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime import __version__
from betteruptime.db.migrate import upgrade
from betteruptime.db.session import create_engine, session_factory
from betteruptime.logs import configure
from betteruptime.runtime.loop import run as run_loop
from betteruptime.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

app = typer.Typer(
    help="BetterUptime: a self-hostable website and service uptime monitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        fail(str(error))
    configure(settings.log_level)
    return settings


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in a fresh engine against an up-to-date schema."""

    async def runner() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    upgrade(settings.database_url)
    return asyncio.run(runner())


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def up() -> None:
    """Run every role in one process (embedded mode): API and pages, scheduler, worker,
    ingester, on the configured database with in-process queues."""
    from betteruptime.runtime.embedded import run_embedded

    settings = settings_or_exit()
    try:
        run_loop(run_embedded(settings))
    except OSError as error:
        fail(f"cannot start: {error.strerror or error}")


def _run_role(name: str, role: Callable[..., Awaitable[None]], **options: object) -> None:
    from betteruptime.runtime.engines import EngineMissing
    from betteruptime.runtime.roles import run_role

    settings = settings_or_exit()
    runner = functools.partial(role, **options)
    try:
        run_loop(run_role(name, runner, settings))
    except EngineMissing as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot start: {error.strerror or error}")


@app.command()
def api() -> None:
    """Run the api role: REST API, pages, health (distributed mode)."""
    from betteruptime.runtime.roles import run_api

    _run_role("api", run_api)


@app.command()
def scheduler() -> None:
    """Run a scheduler; any number may run, one publishes (PostgreSQL advisory lock)."""
    from betteruptime.runtime.roles import run_scheduler

    _run_role("scheduler", run_scheduler)


@app.command()
def worker(
    region: Annotated[
        str | None, typer.Option(help="Region to check from (default: BETTERUPTIME_REGION).")
    ] = None,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser",
            help="Also run the region's browser checks, in Chromium "
            "(BETTERUPTIME_CHROMIUM_PATH, default /usr/bin/chromium).",
        ),
    ] = False,
) -> None:
    """Run a worker: consumes its region's check jobs from RabbitMQ, no database needed."""
    from betteruptime.domain.names import validate_region
    from betteruptime.runtime.browsers import browser_problem
    from betteruptime.runtime.roles import run_worker

    settings = settings_or_exit()
    chosen = region or settings.region
    try:
        validate_region(chosen)
    except ValueError as error:
        fail(f"invalid --region: {error}")
    chromium = settings.chromium_executable() if browser else None
    if browser:
        problem = browser_problem(chromium)
        if problem:
            fail(f"--browser: {problem}")
    _run_role("worker", run_worker, region=chosen, chromium=chromium)


@app.command()
def ingester() -> None:
    """Run an ingester: stores results, decides up/down, opens and resolves incidents."""
    from betteruptime.runtime.roles import run_ingester

    _run_role("ingester", run_ingester)


@app.command()
def notifier() -> None:
    """Run a notifier: consumes transition events from Redis Streams."""
    from betteruptime.runtime.roles import run_notifier

    _run_role("notifier", run_notifier)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations up to the newest revision."""
    settings = settings_or_exit()
    try:
        upgrade(settings.database_url)
    except Exception as error:
        fail(f"migration failed: {type(error).__name__}: {error}", 1)
    typer.echo("database is up to date")


# A new password: asked for twice, never echoed, unless given with --password.
NewPassword = Annotated[
    str,
    typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
]


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="E-mail address, used to log in.")],
    password: NewPassword,
) -> None:
    """Create a user account."""
    from betteruptime.services import users

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str:
        user = await users.create_user(session, email=email, password=password)
        await session.commit()
        return f"created user {user.id} <{user.email}>"

    try:
        typer.echo(_with_session(settings, work))
    except users.UserError as error:
        fail(str(error))


@user_app.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Option(help="The user whose password to set.")],
    password: NewPassword,
) -> None:
    """Set a user's password: a forgotten one, or a first one for a user who signed up
    with single sign-on. Signs them out everywhere (API tokens and browser sessions)."""
    from betteruptime.services import users

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> bool:
        user = await users.get_user_by_email(session, email=email)
        if user is None:
            return False
        await users.change_password(session, user=user, new_password=password)
        return True

    try:
        found = _with_session(settings, work)
    except users.UserError as error:
        fail(str(error))
    if not found:
        fail(f"no user with e-mail {email}")
    typer.echo(f"password set for {email.strip().lower()}; their tokens and sessions are revoked")


@user_app.command("reset-totp")
def user_reset_totp(
    email: Annotated[str, typer.Option(help="The user whose two-factor sign-in to turn off.")],
) -> None:
    """Turn a user's two-factor sign-in off (a lost device, or a changed secret key)."""
    from betteruptime.services import two_factor, users

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> bool:
        user = await users.get_user_by_email(session, email=email)
        if user is None:
            return False
        await two_factor.reset(session, user=user)
        return True

    if not _with_session(settings, work):
        fail(f"no user with e-mail {email}")
    typer.echo(
        f"two-factor sign-in is off for {email.strip().lower()}; they sign in with a password"
    )


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    days: Annotated[
        int | None,
        typer.Option(
            min=1, max=3650, help="Lifetime in days (default: BETTERUPTIME_TOKEN_TTL_DAYS)."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Issue an API token for a user and print it (it is shown only once)."""
    from betteruptime.services import tokens, users

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str | None:
        user = await users.get_user_by_email(session, email=email)
        if user is None:
            return None
        token, _ = await tokens.issue_token(
            session, user=user, ttl_days=days or settings.token_ttl_days, name=name
        )
        await session.commit()
        return token

    token = _with_session(settings, work)
    if token is None:
        fail(f"no user with e-mail {email}")
    typer.echo(token)


EmailOption = Annotated[
    str | None, typer.Option(help="Who acts (default: the only user, if there is one).")
]
OrganizationOption = Annotated[
    str | None,
    typer.Option(
        help="The organization's id or name (one the user is an admin or owner of); "
        "default: the user's personal organization."
    ),
]


@app.command("apply")
def apply_config(
    file: Annotated[str, typer.Argument(metavar="FILE.yaml", help="The file; - reads stdin.")],
    email: EmailOption = None,
    organization: OrganizationOption = None,
    prune: Annotated[
        bool, typer.Option(help="Also delete the user's monitors and channels not in the file.")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Print the changes; make none.")] = False,
) -> None:
    """Make an organization's monitors and channels what a YAML file says (config as code)."""
    from sqlalchemy.exc import SQLAlchemyError

    from betteruptime.config_as_code.apply import apply_text
    from betteruptime.config_as_code.document import ConfigError
    from betteruptime.config_as_code.plan import Plan

    settings = settings_or_exit()
    try:
        if file == "-":
            text = sys.stdin.read()
        else:
            with open(file, encoding="utf-8") as stream:
                text = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}")

    def work(session: AsyncSession) -> Awaitable[Plan]:
        return apply_text(
            session,
            text=text,
            settings=settings,
            email=email,
            organization=organization,
            prune=prune,
            dry_run=dry_run,
        )

    try:
        plan = _with_session(settings, work)
    except ConfigError as error:
        fail(f"{file}: nothing was changed:\n  " + "\n  ".join(error.problems))
    except SQLAlchemyError as error:  # e.g. the database is locked: nothing was committed
        fail(f"database error, nothing was changed: {type(error).__name__}", 1)
    for line in plan.lines(dry_run=dry_run):
        typer.echo(line)
    typer.echo(("dry run, nothing changed: " if dry_run else "") + plan.summary())


@app.command("export")
def export_config(email: EmailOption = None, organization: OrganizationOption = None) -> None:
    """Print an organization's monitors and channels as YAML for `apply` (channel URLs in
    full)."""
    from betteruptime.config_as_code.document import ConfigError
    from betteruptime.config_as_code.export import SECRETS_WARNING, export_text

    settings = settings_or_exit()
    try:
        text = _with_session(
            settings,
            lambda session: export_text(session, email=email, organization=organization),
        )
    except ConfigError as error:
        fail("cannot export:\n  " + "\n  ".join(error.problems))
    typer.echo(SECRETS_WARNING, err=True)
    typer.echo(text, nl=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
