from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from core.pagination import LimitOffsetPagination, paginate

from .card_sheets import card_pdf_response
from .schemas import (
    CapacityChangeOut,
    CapacityConfirmIn,
    CapacityRejectIn,
    CardReissueIn,
    HouseholdActiveIn,
    HouseholdCardOut,
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    SkillChangeOut,
    SkillIn,
    SkillOut,
    SkillPatch,
    WorkshopIn,
    WorkshopLeadIn,
    WorkshopLeadOut,
    WorkshopOut,
    WorkshopPatch,
)
from .selectors import (
    capacity_change_list,
    card_holder_get,
    card_holders,
    household_get,
    household_list,
    skill_change_list,
    skill_list,
    workshop_get,
    workshop_list,
)
from .services import (
    household_card_reissue,
    household_create,
    household_set_active,
    household_update,
    skill_create,
    skill_rename,
    skill_retire,
    workshop_capacity_confirm,
    workshop_capacity_reject,
    workshop_create,
    workshop_lead_replace,
    workshop_set_status,
    workshop_update,
)

router = Router(tags=["workshops"])


class WorkshopFilter(Schema):
    status: str | None = None
    search: str = ""
    service_center_id: int | None = None


@router.get("/workshops", response=list[WorkshopOut], summary="Workshops I may see")
@paginate(LimitOffsetPagination)
def list_workshops(request: HttpRequest, filters: Query[WorkshopFilter]):
    return workshop_list(
        viewer=request.user,
        status=filters.status,
        search=filters.search,
        service_center_id=filters.service_center_id,
    )


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


@router.patch(
    "/workshops/{workshop_id}",
    response=WorkshopOut,
    summary="Capacity (lead or operator; a lead's large increase waits) and skills (operator)",
)
def update_workshop(request: HttpRequest, workshop_id: int, payload: WorkshopPatch):
    workshop = workshop_update(
        actor=request.user, workshop_id=workshop_id, **payload.dict(exclude_unset=True)
    )
    return workshop_get(viewer=request.user, workshop_id=workshop.pk)


@router.get(
    "/workshops/{workshop_id}/capacity-changes",
    response=list[CapacityChangeOut],
    summary="Capacity history, pending requests first by ?status=pending",
)
@paginate(LimitOffsetPagination)
def list_capacity_changes(request: HttpRequest, workshop_id: int, status: str | None = None):
    return capacity_change_list(viewer=request.user, workshop_id=workshop_id, status=status)


@router.post(
    "/workshops/{workshop_id}/capacity-changes/{change_id}/confirm",
    response=CapacityChangeOut,
    summary="Operator: a lead's pending capacity increase takes effect",
)
def confirm_capacity_change(
    request: HttpRequest, workshop_id: int, change_id: int, payload: CapacityConfirmIn
):
    return workshop_capacity_confirm(
        actor=request.user, workshop_id=workshop_id, change_id=change_id, note=payload.note
    )


@router.post(
    "/workshops/{workshop_id}/capacity-changes/{change_id}/reject",
    response=CapacityChangeOut,
    summary="Operator: a lead's pending capacity increase is refused, with a reason",
)
def reject_capacity_change(
    request: HttpRequest, workshop_id: int, change_id: int, payload: CapacityRejectIn
):
    return workshop_capacity_reject(
        actor=request.user, workshop_id=workshop_id, change_id=change_id, reason=payload.reason
    )


@router.get(
    "/workshops/{workshop_id}/skill-changes",
    response=list[SkillChangeOut],
    summary="Skill history: certifications and operators' changes",
)
@paginate(LimitOffsetPagination)
def list_skill_changes(request: HttpRequest, workshop_id: int):
    return skill_change_list(viewer=request.user, workshop_id=workshop_id)


@router.post("/workshops/{workshop_id}/suspend", response=WorkshopOut, summary="Operator")
def suspend_workshop(request: HttpRequest, workshop_id: int):
    workshop_set_status(actor=request.user, workshop_id=workshop_id, status="suspended")
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.post("/workshops/{workshop_id}/activate", response=WorkshopOut, summary="Operator")
def activate_workshop(request: HttpRequest, workshop_id: int):
    workshop_set_status(actor=request.user, workshop_id=workshop_id, status="active")
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.get("/skills", response=list[SkillOut], summary="The skill catalogue")
def list_skills(request: HttpRequest, include_retired: bool = False):
    return skill_list(include_retired=include_retired)


@router.post(
    "/skills",
    response={201: SkillOut},
    summary="Add a skill to the catalogue (operator); 409 skill_code_taken",
)
def create_skill(request: HttpRequest, payload: SkillIn):
    return Status(201, skill_create(actor=request.user, **payload.dict()))


@router.patch("/skills/{skill_code}", response=SkillOut, summary="Rename a skill (operator)")
def rename_skill(request: HttpRequest, skill_code: str, payload: SkillPatch):
    return skill_rename(actor=request.user, skill_code=skill_code, **payload.dict())


@router.post(
    "/skills/{skill_code}/retire",
    response=SkillOut,
    summary="Retire a skill (operator): kept where it is, named by nothing new",
)
def retire_skill(request: HttpRequest, skill_code: str):
    return skill_retire(actor=request.user, skill_code=skill_code)


@router.post(
    "/workshops/{workshop_id}/lead",
    response=WorkshopLeadOut,
    summary="Assign or replace the lead (operator): an active lead user of the workshop's "
    "organisation, or a new one with a one-time set-password link; the old lead loses it",
)
def assign_lead(request: HttpRequest, workshop_id: int, payload: WorkshopLeadIn):
    new_lead = payload.new_lead.dict() if payload.new_lead is not None else None
    workshop, path = workshop_lead_replace(
        actor=request.user,
        workshop_id=workshop_id,
        reason=payload.reason,
        user_id=payload.user_id,
        new_lead=new_lead,
        send_sms=payload.send_sms,
    )
    return {
        "workshop": workshop_get(viewer=request.user, workshop_id=workshop.pk),
        "password_link": request.build_absolute_uri(path) if path else None,
    }


@router.get(
    "/households/{household_id}",
    response=HouseholdOut,
    summary="One household, active or not (operator, its lead)",
)
def read_household(request: HttpRequest, household_id: int):
    return household_get(viewer=request.user, household_id=household_id)


@router.patch(
    "/households/{household_id}",
    response=HouseholdOut,
    summary="Correct a household's particulars (operator); recorded with before and after",
)
def update_household(request: HttpRequest, household_id: int, payload: HouseholdPatch):
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return household_update(actor=request.user, household_id=household_id, **fields)


@router.post(
    "/households/{household_id}/deactivate",
    response=HouseholdOut,
    summary="Deactivate a household, with a reason (operator); never deleted",
)
def deactivate_household(request: HttpRequest, household_id: int, payload: HouseholdActiveIn):
    return household_set_active(
        actor=request.user, household_id=household_id, active=False, reason=payload.reason
    )


@router.post(
    "/households/{household_id}/reactivate",
    response=HouseholdOut,
    summary="Take a deactivated household back (operator)",
)
def reactivate_household(request: HttpRequest, household_id: int, payload: HouseholdActiveIn):
    return household_set_active(
        actor=request.user, household_id=household_id, active=True, reason=payload.reason
    )


# --- household cards ------------------------------------------------------------------------


@router.get(
    "/workshops/{workshop_id}/cards",
    response=list[HouseholdCardOut],
    summary="The workshop's households with their card codes (its lead, operators)",
)
def list_household_cards(request: HttpRequest, workshop_id: int):
    return card_holders(viewer=request.user, workshop_id=workshop_id)


@router.get(
    "/workshops/{workshop_id}/cards.pdf",
    summary="An A4 sheet of the workshop's household cards, ten a page (its lead, operators)",
)
def read_household_card_sheet(request: HttpRequest, workshop_id: int):
    households = list(card_holders(viewer=request.user, workshop_id=workshop_id))
    return card_pdf_response(households, filename=f"cards-workshop-{workshop_id}")


@router.get(
    "/households/{household_id}/card.pdf",
    summary="One household's card, to print again after a re-issue (its lead, operators)",
)
def read_household_card(request: HttpRequest, household_id: int):
    household = card_holder_get(viewer=request.user, household_id=household_id)
    return card_pdf_response([household], filename=f"card-household-{household_id}")


@router.post(
    "/households/{household_id}/card/reissue",
    response=HouseholdCardOut,
    summary="Re-issue a lost or damaged card: the old code stops working at once (reason)",
)
def reissue_household_card(request: HttpRequest, household_id: int, payload: CardReissueIn):
    return household_card_reissue(
        actor=request.user, household_id=household_id, reason=payload.reason
    )
