"""``certificate-problems/`` of API v1: the certificate graph's problems and filing them, as the
office's certificate graph page does (``findings/certificate_views.py``).

The analysis is the catalog's (``services.certificates.analyse``), what is filed already is
``findings.certificates.filed_keys``; filing is ``findings.certificates.certificate_problem_file``,
one finding per department involved, none for a department that has it. The office's alone.

The office's decisions that a flagged relation is legitimate (``services/certificate_actions.py``,
as the page takes them): ``decide/`` and ``withdraw/`` write them, ``decisions/`` lists those in
force; a problem a decision covers is not in the problem list and cannot be filed.
"""
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from accounts.queries import is_office
from core.api import CursorPagination, IdempotentMixin, RejectUnknownKeys, perform_action
from core.categories import Category
from services import certificates
from services.certificate_actions import REASON_MAX, certificate_decide, certificate_decision_withdraw

from .certificates import certificate_problem_file, filed_keys

KINDS = [("cycle", _("circular certificate")), ("self", _("a department's own certificate demanded")),
         ("bundle", _("one certificate demanded twice in a bundle"))]


# --- serializers ----------------------------------------------------------------------------


class CertificateItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The service item's id."))
    name = serializers.CharField()
    department = serializers.IntegerField(source="department_id", help_text=_("The item's department id."))
    department_name = serializers.CharField(source="department")


class CertificateLinkSerializer(serializers.Serializer):
    item = CertificateItemSerializer(help_text=_("The item that demands the certificate."))
    certificate = serializers.CharField(help_text=_("The material's name as the item lists it."))
    issuer = CertificateItemSerializer(help_text=_("The item that issues it."))


class CertificateDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    filed = serializers.BooleanField(help_text=_("A finding for this problem has been filed against this department."))


class CertificateDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text=_("The problem's key the decision is about."))
    kind = serializers.ChoiceField(choices=KINDS)
    items = serializers.ListField(child=serializers.IntegerField(),
                                  help_text=_("The items it was decided for (a bundle's: those demanding the certificate then)."))
    reason = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True, help_text=_("The username of who decided."))
    decided_by_name = serializers.CharField(allow_null=True, help_text=_("Their name as shown in the pages."))
    decided_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True, help_text=_("When it was withdrawn; null while in force."))


def decision_row(decision) -> dict:
    by = decision.decided_by
    return {"id": decision.pk, "key": decision.key, "kind": decision.kind, "items": list(decision.items or []),
            "reason": decision.reason, "decided_by": by.username if by else None, "decided_by_name": str(by) if by else None,
            "decided_at": decision.decided_at, "withdrawn_at": decision.withdrawn_at}


class CertificateProblemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The problem's stable key, what filing takes (e.g. cycle:12-34-56)."))
    kind = serializers.ChoiceField(choices=KINDS)
    category = serializers.ChoiceField(choices=Category.choices, help_text=_("The category its findings are filed under."))
    title = serializers.CharField(help_text=_("The title its findings get."))
    bundle = serializers.CharField(help_text=_("The bundle's name (kind bundle), else empty."))
    items = serializers.ListField(child=serializers.IntegerField(), help_text=_("Ids of the items involved."))
    links = CertificateLinkSerializer(many=True, help_text=_("Each demand: item, certificate, issuing item."))
    departments = CertificateDepartmentSerializer(many=True, help_text=_("The departments it is filed against, one finding each."))
    filed = serializers.BooleanField(help_text=_("Filed against every department involved."))
    decided = serializers.BooleanField(help_text=_("Marked legitimate by the office (then it is not flagged and not filed)."))
    decision = serializers.SerializerMethodField(
        help_text=_("The office's decision in force for this key, or null. A flagged problem may have one that no longer "
                    "covers it: a bundle's certificate now demanded by more items than it was decided for."))

    @extend_schema_field(CertificateDecisionSerializer(allow_null=True))
    def get_decision(self, row):
        return CertificateDecisionSerializer(row["decision"]).data if row["decision"] is not None else None


class CertificateProblemFileSerializer(RejectUnknownKeys, serializers.Serializer):
    problem = serializers.CharField(max_length=certificates.SPEC_MAX, help_text=_("The problem's key."))


class CertificateProblemFiledSerializer(serializers.Serializer):
    problem = serializers.CharField(help_text=_("The problem's key."))
    findings = serializers.ListField(child=serializers.IntegerField(),
                                     help_text=_("Ids of the findings filed now; empty when every department had one."))


class CertificateErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CertificateDecideSerializer(RejectUnknownKeys, serializers.Serializer):
    problem = serializers.CharField(max_length=certificates.SPEC_MAX, help_text=_("The flagged problem's key."))
    reason = serializers.CharField(max_length=REASON_MAX, help_text=_("Why the relation is legitimate (required)."))


class CertificateWithdrawSerializer(RejectUnknownKeys, serializers.Serializer):
    problem = serializers.CharField(max_length=certificates.SPEC_MAX,
                                    help_text=_("The key of the problem whose decision is withdrawn."))


class CertificateDecidedSerializer(CertificateDecisionSerializer):
    state = serializers.ChoiceField(
        choices=[("in_force", _("covers its problem: not flagged")),
                 ("outgrown", _("more items demand the certificate now: flagged again")),
                 ("dormant", _("the relation is not in the catalog now"))])
    problem = serializers.SerializerMethodField(help_text=_("The problem as the catalog has it now; null when dormant."))

    @extend_schema_field(CertificateProblemSerializer(allow_null=True))
    def get_problem(self, row):
        return CertificateProblemSerializer(row["problem"]).data if row["problem"] is not None else None


class _ProblemQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    filed = serializers.BooleanField(required=False, allow_null=True, default=None)


def problem_row(problem: certificates.Problem) -> dict:
    def node(n: certificates.Node) -> dict:
        return {"id": n.id, "name": n.name, "department_id": n.department_id, "department": n.department}

    departments = problem.departments()
    return {
        "key": problem.spec, "kind": problem.kind, "category": problem.category, "title": problem.title(),
        "bundle": problem.bundle, "items": list(dict.fromkeys(n.id for link in problem.links() for n in (link.item, link.issuer))),
        "links": [{"item": node(link.item), "certificate": link.certificate, "issuer": node(link.issuer)}
                  for link in problem.links()],
        "departments": [{"id": pk, "name": n.department, "filed": pk in problem.filed_departments}
                        for pk, n in departments.items()],
        "filed": problem.filed,
        "decided": problem.decided,
        "decision": decision_row(problem.decision) if problem.decision is not None else None,
    }


# --- pagination, permission ------------------------------------------------------------------


class ProblemPagination(CursorPagination):
    """The envelope and cursor of every list, over the analysis's problems (a list computed per
    request, not a query): the cursor holds the position in the list, which is in a fixed order —
    cycles shortest first, then self-issued, then bundle duplicates."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        self.offset = self.cursor.offset if self.cursor is not None else 0
        rows = list(queryset)
        self.page = rows[self.offset:self.offset + self.page_size]
        self.has_next = self.offset + self.page_size < len(rows)
        self.has_previous = self.offset > 0
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        return self.encode_cursor(self._cursor(self.offset + self.page_size))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return self.encode_cursor(self._cursor(max(0, self.offset - self.page_size)))

    @staticmethod
    def _cursor(offset):
        from rest_framework.pagination import Cursor

        return Cursor(offset=offset, reverse=False, position=None)


class OfficeReadsTheCertificateGraph(permissions.BasePermission):
    message = _("The certificate graph is the office's.")

    def has_permission(self, request, view):
        return is_office(request.user)


# --- the view ---------------------------------------------------------------------------------


class CertificateProblemViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Circular certificates, a department demanding its own certificate, and one certificate
    demanded twice in a bundle (一件事), found in the active catalog; each filed as findings
    against every department involved. The office only."""

    serializer_class = CertificateProblemSerializer
    pagination_class = ProblemPagination
    permission_classes = [*DEFAULT_PERMISSIONS, OfficeReadsTheCertificateGraph]
    filter_backends = []
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary="The certificate graph's problems",
        description="The problems the certificate graph page describes (at most 200 of each kind: cycles shortest first, "
                    "then self-issued certificates, then bundle duplicates), each with whether it has been filed. "
                    "Those the office has marked legitimate are not problems: `decisions/` lists them.",
        parameters=[
            OpenApiParameter("kind", str, enum=[code for code, _label in KINDS], description="Only problems of this kind."),
            OpenApiParameter("filed", bool, description="Only problems filed for every department (true), or not (false)."),
        ],
        responses={200: CertificateProblemSerializer(many=True), 400: OpenApiResponse(description="A filter value that is not valid."),
                   403: OpenApiResponse(CertificateErrorSerializer, description="Not the office.")},
    )
    def list(self, request):
        query = _ProblemQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind, filed = query.validated_data.get("kind"), query.validated_data.get("filed")
        analysis = certificates.analyse(filed=filed_keys())
        problems = [p for p in analysis.cycles + analysis.self_issued + analysis.bundle_duplicates
                    if (kind is None or p.kind == kind) and (filed is None or p.filed == filed)]
        page = self.paginate_queryset(problems)
        return self.get_paginated_response(CertificateProblemSerializer([problem_row(p) for p in page], many=True).data)

    @extend_schema(
        summary="File a problem as findings",
        description="One finding against each department involved (`circular_certificate`, `major` for a cycle; "
                    "`duplicate_certificate`, `minor` otherwise); a department that has one already is skipped. 201 with "
                    "the findings filed, 200 with none when every department had one.",
        request=CertificateProblemFileSerializer,
        responses={201: CertificateProblemFiledSerializer, 200: CertificateProblemFiledSerializer,
                   400: OpenApiResponse(description="`{\"problem\": [...]}`: the key is not a problem of the catalog "
                                                    "as it is now."),
                   403: OpenApiResponse(CertificateErrorSerializer, description="Not the office.")},
    )
    @action(detail=False, methods=["post"])
    def file(self, request):
        serializer = CertificateProblemFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        problem = certificates.problem_resolve(serializer.validated_data["problem"])
        if problem is None:
            raise serializers.ValidationError(
                {"problem": [gettext("This certificate problem is no longer in the catalog; nothing was filed.")]})
        created = perform_action(certificate_problem_file, actor=request.user, problem=problem)
        return Response({"problem": problem.spec, "findings": [f.pk for f in created]},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Mark a problem legitimate",
        description="The office's word that a flagged relation is legitimate (a licence renewal that needs the original "
                    "licence …), with the reason: the problem leaves the list and cannot be filed. 201 with the decision; "
                    "200 with the decision in force when one covers the problem already. A bundle decision that more items "
                    "have outgrown is replaced (the old one is kept as withdrawn).",
        request=CertificateDecideSerializer,
        responses={201: CertificateDecisionSerializer, 200: CertificateDecisionSerializer,
                   400: OpenApiResponse(description="`{\"reason\": [...]}` blank, or `{\"detail\"}`: the key is not a "
                                                    "problem of the catalog as it is now."),
                   403: OpenApiResponse(CertificateErrorSerializer, description="Not the office.")},
    )
    @action(detail=False, methods=["post"])
    def decide(self, request):
        serializer = CertificateDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision, created = perform_action(certificate_decide, actor=request.user, **serializer.validated_data)
        return Response(decision_row(decision), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Withdraw a decision",
        description="The decision in force for the key is withdrawn (kept, with who and when): the relation is flagged again.",
        request=CertificateWithdrawSerializer,
        responses={200: CertificateDecisionSerializer,
                   400: OpenApiResponse(description="`{\"detail\"}`: no decision in force for this key."),
                   403: OpenApiResponse(CertificateErrorSerializer, description="Not the office.")},
    )
    @action(detail=False, methods=["post"])
    def withdraw(self, request):
        serializer = CertificateWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = perform_action(certificate_decision_withdraw, actor=request.user, **serializer.validated_data)
        return Response(decision_row(decision))

    @extend_schema(
        summary="The decisions in force",
        description="Every relation the office has marked legitimate and not withdrawn, newest first, with its state and "
                    "its problem as the catalog has it now.",
        responses={200: CertificateDecidedSerializer(many=True),
                   403: OpenApiResponse(CertificateErrorSerializer, description="Not the office.")},
    )
    @action(detail=False, methods=["get"], pagination_class=ProblemPagination)
    def decisions(self, request):
        analysis = certificates.analyse(filed=filed_keys())
        rows = [{**decision_row(entry.decision), "state": entry.state,
                 "problem": problem_row(entry.problem) if entry.problem is not None else None}
                for entry in analysis.legitimate]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CertificateDecidedSerializer(page, many=True).data)
