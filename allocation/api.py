"""Smart allocation over HTTP: operators start a run, read it with its reasons (by region,
workshop or status, a page at a time), leave proposals out, apply the rest."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from core.pagination import Offset

from .models import AllocationProposal
from .schemas import (
    AllocationApplyIn,
    AllocationRunIn,
    AllocationRunOut,
    ProposalExcludeIn,
    ProposalOut,
)
from .selectors import allocation_proposals_filtered, allocation_run_page
from .services import (
    allocation_proposal_exclude,
    allocation_proposal_restore,
    allocation_run_apply,
    allocation_run_start,
)

# Operation ids are spelled out: they are the ones generated when this router was
# orders.allocation_api, and generated clients name their calls after them.
router = Router(tags=["allocation"])


class ProposalPage(Schema):
    offset: Offset = 0
    limit: int = Field(500, ge=1, le=2000, description="proposals per page, 1 … 2,000")
    region_id: int | None = Field(None, description="only workshops of this service center")
    workshop_id: int | None = Field(None, description="only this workshop's proposals")
    status: AllocationProposal.Status | None = Field(None, description="only this status")


@router.post(
    "/allocation/runs",
    response={201: AllocationRunOut, 202: AllocationRunOut},
    summary="Run smart allocation (propose, or apply) over open batches",
    operation_id="orders_allocation_api_start_run",
)
def start_run(request: HttpRequest, payload: AllocationRunIn):
    run = allocation_run_start(actor=request.user, **payload.dict())
    page = allocation_run_page(viewer=request.user, run_id=run.pk)
    return Status(202 if run.job_id else 201, AllocationRunOut.build(*page))


@router.get(
    "/allocation/runs/{run_id}",
    response=AllocationRunOut,
    summary="A run with its proposals, scores and reasons",
    operation_id="orders_allocation_api_read_run",
)
def read_run(request: HttpRequest, run_id: int, page: Query[ProposalPage]):
    return AllocationRunOut.build(
        *allocation_run_page(
            viewer=request.user,
            run_id=run_id,
            offset=page.offset,
            limit=page.limit,
            region_id=page.region_id,
            workshop_id=page.workshop_id,
            status=page.status,
        )
    )


@router.post(
    "/allocation/runs/{run_id}/apply",
    response=AllocationRunOut,
    summary="Claim the proposed batches of a run for their workshops",
    operation_id="orders_allocation_api_apply_run",
)
def apply_run(request: HttpRequest, run_id: int, payload: AllocationApplyIn | None = None):
    choice = payload.dict() if payload is not None else {}
    run = allocation_run_apply(run_id=run_id, actor=request.user, **choice)
    return AllocationRunOut.build(*allocation_run_page(viewer=request.user, run_id=run.pk))


def _proposal_out(proposal) -> ProposalOut:
    return ProposalOut.from_proposal(
        allocation_proposals_filtered(run=proposal.run).get(pk=proposal.pk)
    )


@router.post(
    "/allocation/runs/{run_id}/proposals/{proposal_id}/exclude",
    response=ProposalOut,
    summary="Leave one proposal of a run under review out of its apply (不分配此批)",
    operation_id="allocation_api_exclude_proposal",
)
def exclude_proposal(
    request: HttpRequest, run_id: int, proposal_id: int, payload: ProposalExcludeIn
):
    proposal = allocation_proposal_exclude(
        actor=request.user, run_id=run_id, proposal_id=proposal_id, reason=payload.reason
    )
    return _proposal_out(proposal)


@router.post(
    "/allocation/runs/{run_id}/proposals/{proposal_id}/restore",
    response=ProposalOut,
    summary="Put a left-out proposal back into the run under review",
    operation_id="allocation_api_restore_proposal",
)
def restore_proposal(request: HttpRequest, run_id: int, proposal_id: int):
    proposal = allocation_proposal_restore(
        actor=request.user, run_id=run_id, proposal_id=proposal_id
    )
    return _proposal_out(proposal)
