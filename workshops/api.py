from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from .schemas import HouseholdIn, HouseholdOut, WorkshopIn, WorkshopOut
from .selectors import household_list, workshop_get, workshop_list
from .services import household_create, workshop_create

router = Router(tags=["workshops"])


class WorkshopFilter(Schema):
    status: str | None = None
    search: str = ""


@router.get("/workshops", response=list[WorkshopOut], summary="Workshops I may see")
@paginate(LimitOffsetPagination)
def list_workshops(request: HttpRequest, filters: Query[WorkshopFilter]):
    return workshop_list(viewer=request.user, status=filters.status, search=filters.search)


@router.post("/workshops", response={201: WorkshopOut}, summary="Register a workshop (operator)")
def create_workshop(request: HttpRequest, payload: WorkshopIn):
    workshop = workshop_create(actor=request.user, **payload.dict())
    return Status(201, workshop_get(viewer=request.user, workshop_id=workshop.pk))


@router.get("/workshops/{workshop_id}", response=WorkshopOut)
def read_workshop(request: HttpRequest, workshop_id: int):
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.get("/workshops/{workshop_id}/households", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def list_households(request: HttpRequest, workshop_id: int, search: str = ""):
    return household_list(viewer=request.user, workshop_id=workshop_id, search=search)


@router.post("/workshops/{workshop_id}/households", response={201: HouseholdOut})
def create_household(request: HttpRequest, workshop_id: int, payload: HouseholdIn):
    return Status(
        201, household_create(actor=request.user, workshop_id=workshop_id, **payload.dict())
    )
