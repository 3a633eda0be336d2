"""The tenant's people (owners only): list them, add one (the page shows their one-time link to set a
password, as `turnout user create` prints it), reset one, or remove one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from turnout.auth import people
from turnout.auth.people import Session
from turnout.core import times
from turnout.core.errors import NotFound
from turnout.store.people import PeopleStore, PersonRecord
from turnout.web import render
from turnout.web.guard import Guard, read_form


class PeoplePages:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def _page(
        self, request: Request, session: Session, status: int = 200, link: str = "", error: str = ""
    ) -> Response:
        found = await PeopleStore(self.guard.store).list_people(session.person.tenant_id)
        return render.page(
            request,
            "people.html",
            status,
            people=found,
            roles=people.ROLES,
            link=link,
            error=error,
            csrf=session.csrf,
        )

    async def show(self, request: Request, session: Session) -> Response:
        return await self._page(request, session)

    async def add(self, request: Request, session: Session) -> Response:
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        try:
            token = await people.create_person(
                self.guard.store,
                self.guard.services.secret,
                session.person.tenant_id,
                form.get("email", ""),
                form.get("role", ""),
                times.now(),
            )
        except people.PersonError as exc:
            return await self._page(request, session, 422, error=str(exc) + ".")
        return await self._page(request, session, link=self._link(token))

    async def change(self, request: Request, session: Session) -> Response:
        """Reset or remove a person of this tenant (never another tenant's: 404)."""
        form = await read_form(request, self.guard.services.settings.max_body_bytes)
        person = await self._own(session, request.path_params["email"])
        store = PeopleStore(self.guard.store)
        if form.get("action") == "remove":
            if person.id == session.person.id:
                return await self._page(request, session, 422, error="You cannot remove yourself.")
            await store.delete_person(person.id)
            return await self._page(request, session)
        token = await people.reset_person(
            self.guard.store, self.guard.services.secret, person.id, times.now()
        )
        return await self._page(request, session, link=self._link(token))

    async def _own(self, session: Session, email: str) -> PersonRecord:
        try:
            found = await PeopleStore(self.guard.store).find_by_email(people.normal_email(email))
        except people.PersonError:
            found = None
        if found is None or found.tenant_id != session.person.tenant_id:
            raise NotFound(email)
        return found

    def _link(self, token: str) -> str:
        return f"{self.guard.services.settings.base_url}/app/setup?token={token}"
