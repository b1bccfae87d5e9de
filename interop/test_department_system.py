"""A department's own system, written in Python against OneWindow's contracts only.

It does what an integrating department does: finds one of its items in the catalog, submits
a case at its window, follows the case's events through the cases service's Watch stream
(as a machine, role `service`), accepts the case and carries it through its stages to the
conclusion, and checks the conventions the contracts promise (idempotent retries, errors
with google.rpc details). It also lists the server's services through reflection v1alpha.

Stubs are generated from proto/ at run time into a temporary directory (run.sh does it and
puts it on PYTHONPATH). Configuration comes from the environment that run.sh sets:
ONEWINDOW_INTEROP_GRPC (host:port), ONEWINDOW_INTEROP_TOKEN_CMD (a command that prints a
token; the role and department are appended as arguments).
"""

import os
import queue
import shlex
import subprocess
import sys
import threading
import time
import unittest
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from onewindow.cases.v1 import cases_pb2, cases_pb2_grpc
from onewindow.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from onewindow.common.v1 import common_pb2

ADDRESS = os.environ.get("ONEWINDOW_INTEROP_GRPC", "127.0.0.1:50051")
TOKEN_CMD = shlex.split(os.environ.get("ONEWINDOW_INTEROP_TOKEN_CMD", "onewindow token"))
DEADLINE = 15  # seconds per call

STAGE = common_pb2.Stage
ROLE_OF_HANDLER = {
    common_pb2.HANDLER_ROLE_CLERK: "clerk",
    common_pb2.HANDLER_ROLE_APPROVER: "approver",
}


def token(role, department=None, region=None):
    args = TOKEN_CMD + ["--role", role]
    if department:
        args += ["--department", department]
    if region:
        args += ["--region", region]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def bearer(tok):
    return (("authorization", f"Bearer {tok}"),)


def resident_id(first17):
    """A resident ID number with its GB 11643 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def request_id():
    return str(uuid.uuid4())


class EventFollower(threading.Thread):
    """Follows Watch from the start and hands over the events about one object."""

    def __init__(self, channel, service_token):
        super().__init__(daemon=True)
        self.stub = cases_pb2_grpc.CaseServiceStub(channel)
        self.token = service_token
        self.object_id = None
        self.events = queue.Queue()
        self.error = None
        self.call = None
        self.opened = threading.Event()

    def run(self):
        try:
            self.call = self.stub.Watch(
                common_pb2.WatchRequest(after_seq=0), metadata=bearer(self.token)
            )
            self.opened.set()
            last = 0
            for event in self.call:
                # The stream's promise: gap-free sequence numbers in commit order.
                if event.seq != last + 1:
                    raise AssertionError(f"event {event.seq} followed {last}")
                last = event.seq
                if self.object_id and event.object_id == self.object_id:
                    self.events.put(event)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                self.error = e
        except AssertionError as e:
            self.error = e
        finally:
            self.opened.set()

    def stop(self):
        if self.call is not None:
            self.call.cancel()

    def next_event(self, timeout=20):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event for {self.object_id} within {timeout}s: {self.error}")


class DepartmentSystem(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = grpc.insecure_channel(ADDRESS)
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.catalog = catalog_pb2_grpc.CatalogServiceStub(cls.channel)
        cls.cases = cases_pb2_grpc.CaseServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def find_item(self):
        """A promised item in force, free of charge, with stages after accept."""
        page_token = ""
        while True:
            reply = self.catalog.ListItems(
                catalog_pb2.ListItemsRequest(
                    item_class=catalog_pb2.ITEM_CLASS_PROMISED,
                    page_size=100,
                    page_token=page_token,
                ),
                timeout=DEADLINE,
            )
            for item in reply.items:
                stages = [s.stage for s in item.steps]
                if (
                    item.free_of_charge
                    and STAGE.Value("STAGE_REVIEW") in stages
                    and STAGE.Value("STAGE_CONCLUDE") in stages
                ):
                    return item
            page_token = reply.next_page_token
            if not page_token:
                self.fail("the catalog holds no promised, free item with a review stage")

    def test_a_department_handles_a_case_from_submission_to_conclusion(self):
        item = self.find_item()
        dept, region = item.department_id, item.region_code
        print(f"\n  item {item.id} ({item.name}) of {dept} in {region}", file=sys.stderr)
        staff = {
            "clerk": token("clerk", dept, region),
            "approver": token("approver", dept, region),
        }
        follower = EventFollower(self.channel, token("service"))
        follower.start()
        self.assertTrue(follower.opened.wait(30), "watch did not open")

        # Submit at the window, every material the item asks for.
        submit = cases_pb2.SubmitCaseRequest(
            request_id=request_id(),
            item_id=item.id,
            applicant=cases_pb2.Applicant(
                kind=cases_pb2.APPLICANT_KIND_PERSON,
                name="王互通",
                id_type=cases_pb2.ID_TYPE_RESIDENT_ID_CARD,
                id_number=resident_id("14020219900101123"),
                phone="13912345678",
            ),
            materials=[
                cases_pb2.MaterialUpload(
                    material_id=m.id,
                    file_name=f"{m.id}.pdf",
                    content_type="application/pdf",
                    content=b"%PDF-1.4 interop test material\n",
                )
                for m in item.materials
            ],
        )
        case = self.cases.SubmitCase(submit, metadata=bearer(staff["clerk"]), timeout=DEADLINE)
        follower.object_id = case.id
        self.assertEqual(case.state, cases_pb2.CASE_STATE_SUBMITTED)
        self.assertEqual(case.channel, cases_pb2.CHANNEL_WINDOW)
        query_code = case.query_code
        self.assertTrue(query_code, "the submission's reply carries the query code")

        # A retry with the same request_id returns the first result and creates nothing.
        again = self.cases.SubmitCase(submit, metadata=bearer(staff["clerk"]), timeout=DEADLINE)
        self.assertEqual(again.id, case.id)
        self.assertEqual(again.case_number, case.case_number)

        submitted = follower.next_event()
        self.assertEqual(submitted.kind, "cases.case.submitted")
        payload = cases_pb2.CaseSubmitted()
        self.assertTrue(submitted.payload.Unpack(payload))
        self.assertEqual(payload.case_ref.case_id, case.id)
        self.assertEqual(payload.case_ref.department_id, dept)

        case = self.cases.AcceptCase(
            cases_pb2.AcceptCaseRequest(
                request_id=request_id(), case_id=case.id, revision=case.revision
            ),
            metadata=bearer(staff["clerk"]),
            timeout=DEADLINE,
        )
        self.assertEqual(case.state, cases_pb2.CASE_STATE_IN_PROGRESS)
        self.assertTrue(case.planned_due_date, "acceptance starts the clock")
        accepted = follower.next_event()
        self.assertEqual(accepted.kind, "cases.case.accepted")

        # Each stage by the role its step names, until the conclusion.
        completed = []
        while case.state == cases_pb2.CASE_STATE_IN_PROGRESS:
            current = next(s for s in case.stages if s.stage == case.current_stage)
            who = staff[ROLE_OF_HANDLER[current.handler_role]]
            if case.current_stage == STAGE.Value("STAGE_CONCLUDE"):
                case = self.cases.ConcludeCase(
                    cases_pb2.ConcludeCaseRequest(
                        request_id=request_id(),
                        case_id=case.id,
                        revision=case.revision,
                        conclusion=cases_pb2.Conclusion(
                            kind=cases_pb2.OUTCOME_KIND_APPROVED,
                            result_reference="INTEROP-2026-0001",
                        ),
                        opinion="材料齐全，准予许可",
                    ),
                    metadata=bearer(who),
                    timeout=DEADLINE,
                )
            else:
                completed.append(STAGE.Name(case.current_stage))
                case = self.cases.CompleteStage(
                    cases_pb2.CompleteStageRequest(
                        request_id=request_id(),
                        case_id=case.id,
                        revision=case.revision,
                        stage=case.current_stage,
                        opinion="同意",
                    ),
                    metadata=bearer(who),
                    timeout=DEADLINE,
                )
                event = follower.next_event()
                self.assertEqual(event.kind, "cases.case.stage_completed")
        self.assertIn("STAGE_REVIEW", completed)
        print(f"  case {case.case_number}: stages {completed} completed, concluded", file=sys.stderr)
        self.assertEqual(case.state, cases_pb2.CASE_STATE_CONCLUDED)
        self.assertEqual(case.outcome.kind, cases_pb2.OUTCOME_KIND_APPROVED)

        concluded = follower.next_event()
        self.assertEqual(concluded.kind, "cases.case.concluded")
        facts = cases_pb2.CaseConcluded()
        self.assertTrue(concluded.payload.Unpack(facts))
        self.assertEqual(facts.outcome, cases_pb2.OUTCOME_KIND_APPROVED)
        self.assertEqual(facts.result_reference, "INTEROP-2026-0001")
        follower.stop()
        follower.join(5)
        self.assertIsNone(follower.error)

        # An illegal transition: FAILED_PRECONDITION with a google.rpc.PreconditionFailure.
        with self.assertRaises(grpc.RpcError) as raised:
            self.cases.AcceptCase(
                cases_pb2.AcceptCaseRequest(request_id=request_id(), case_id=case.id),
                metadata=bearer(staff["clerk"]),
                timeout=DEADLINE,
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        status = rpc_status.from_call(raised.exception)
        self.assertIsNotNone(status, "the error carries google.rpc.Status details")
        failures = [d for d in status.details if d.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR)]
        self.assertEqual(len(failures), 1)

        # The applicant follows the case without an account: number and query code; the
        # personal data is masked.
        public = self.cases.LookupCase(
            cases_pb2.LookupCaseRequest(case_number=case.case_number, query_code=query_code),
            timeout=DEADLINE,
        )
        self.assertEqual(public.state, cases_pb2.CASE_STATE_CONCLUDED)
        self.assertIn("*", public.applicant.name)

    def test_a_bad_request_names_every_bad_field(self):
        clerk = token("clerk", "nobody", "140200")
        with self.assertRaises(grpc.RpcError) as raised:
            self.cases.SubmitCase(
                cases_pb2.SubmitCaseRequest(request_id=request_id()),
                metadata=bearer(clerk),
                timeout=DEADLINE,
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        status = rpc_status.from_call(raised.exception)
        self.assertIsNotNone(status, "the error carries google.rpc.Status details")
        fields = set()
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields |= {v.field for v in bad.field_violations}
        # Both missing fields at once, not the first one found.
        self.assertLessEqual({"item_id", "applicant"}, fields)

    def test_watch_refuses_a_caller_without_a_token(self):
        with self.assertRaises(grpc.RpcError) as raised:
            next(iter(self.cases.Watch(common_pb2.WatchRequest(after_seq=0), timeout=DEADLINE)))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_reflection_v1alpha_lists_every_service(self):
        stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)
        replies = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
            timeout=DEADLINE,
        )
        names = {s.name for r in replies for s in r.list_services_response.service}
        for expected in (
            "onewindow.catalog.v1.CatalogService",
            "onewindow.cases.v1.CaseService",
            "onewindow.trading.v1.TradingService",
            "onewindow.supervision.v1.SupervisionService",
            "grpc.health.v1.Health",
        ):
            self.assertIn(expected, names)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    ran = result.testsRun
    failed = len(result.failures) + len(result.errors)
    print(f"{ran - failed} passed, {failed} failed")
    sys.exit(1 if failed or not ran else 0)
