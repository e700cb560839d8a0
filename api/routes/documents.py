"""``/documents``: the list (filtered), one document (metadata and provision tree), upload and removal."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import ApiKeyDep, ServiceDep
from api.routes.base import JSONUTF8Response, errors_doc, respond
from api.routes.entities import ENTITY_RESPONSES, entity_response
from common.errors import InputError, TooLargeError
from ingest.manifest import Entry

router = APIRouter(tags=["documents"])


class DocumentSummary(BaseModel):
    doc: str = Field(description="The document's IRI (it dereferences on this server).")
    id: str = Field(examples=["2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"])
    title: str | None = Field(description="The stated title, else one read from the text (titleInferred).")
    titleInferred: bool = Field(False, description="The text states no title; this one is inferred from it (推断标题).")
    number: str | None = Field(description="文号", examples=["工信厅联消费函〔2023〕87号"])
    date: str | None = Field(examples=["2023-04-14"])
    level: str | None = Field(examples=["national"])
    region: str | None = Field(examples=["全国"])
    regionCode: str | None = Field(examples=["100000"])
    doctype: str | None = Field(examples=["通知"])
    partial: bool | None
    provisions: int


class UploadResult(BaseModel):
    document: str = Field(description="The new document's id.")
    iri: str = Field(description="Its IRI.")
    ingest: dict[str, Any] = Field(description="What was extracted (provisions, tasks, targets, ...).")
    link: dict[str, Any] = Field(description="The relinking summary.")


@router.get("/documents", response_model=list[DocumentSummary], responses=errors_doc(422),
            summary="The documents, filtered")
def documents(request: Request, service: ServiceDep,
              level: Annotated[str | None, Query(pattern=r"^(national|provincial|municipal)?$")] = None,
              region: Annotated[str | None, Query(description="Region name or GB/T 2260 code.", max_length=50,
                                                  examples=["广东省", "440000"])] = None,
              year: Annotated[str | None, Query(pattern=r"^(\d{4})?$", examples=["2023"])] = None,
              doc_type: Annotated[str | None, Query(alias="type", max_length=20, examples=["通知"])] = None,
              ) -> Response:
    """Every stored document with its metadata; filters combine with AND."""
    data = service.documents(level=level, region=region, year=year, doc_type=doc_type)
    filters = {"level": level or "", "region": region or "", "year": year or "", "type": doc_type or ""}
    return respond(request, "documents.html", data, extra={"filters": filters})


@router.get("/documents/{doc_id}", responses=ENTITY_RESPONSES, response_class=Response,
            summary="One document: metadata and provision tree")
def document(request: Request, service: ServiceDep,
             doc_id: Annotated[str, Path(examples=["2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"])],
             format: Annotated[str | None, Query(pattern=r"^(json|jsonld|ttl|turtle|nt|html)$")] = None) -> Response:
    """The document as linked-entity JSON-LD (its IRI gives the same): metadata, agencies with roles,
    and the provision tree (`hasPart`, nested) with targets and agency roles."""
    return entity_response(request, service, service.document_iri(doc_id), format)


@router.get("/documents/{doc_id}/links", responses=errors_doc(404), summary="One document's links, by document")
def document_links(service: ServiceDep, doc_id: Annotated[str, Path(examples=["2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"])]
                   ) -> Response:
    """The documents this one implements and those implementing it, each with its aligned provision
    pairs (score, rank, method, evidence, asserted; each side's agencies and targets, and those both
    sides state: `shared`) — the panels of the document page, as JSON."""
    return JSONUTF8Response(service.document_links(service.document_iri(doc_id)))


TEXT_TYPES = ("text/", "application/octet-stream")


@router.post("/documents", status_code=201, response_model=UploadResult,
             responses=errors_doc(400, 401, 403, 409, 413, 415, 422, 503), summary="Upload a document")
def upload(
    service: ServiceDep,
    _key: ApiKeyDep,
    file: Annotated[UploadFile, File(description="A policy text (UTF-8, GB18030/GBK, Big5 or UTF-16 with BOM).")],
    name: Annotated[str | None, Form(description="File name to derive the id from (default: the upload's name).",
                                     pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")] = None,
    title: Annotated[str | None, Form(max_length=500)] = None,
    doc_number: Annotated[str | None, Form(description="文号", max_length=100)] = None,
    date: Annotated[str | None, Form(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", examples=["2024-03-01"])] = None,
    level: Annotated[Literal["national", "provincial", "municipal"] | None, Form()] = None,
    region: Annotated[str | None, Form(max_length=50, examples=["广东省"])] = None,
    issuer: Annotated[str | None, Form(max_length=500, description="Issuing agencies, ';'-separated.")] = None,
) -> Response:
    """Ingest, index and link one text. Needs the API key (`X-API-Key`). Nothing is written when the
    text cannot be read (too large 413, binary or unknown encoding 415, empty 400), and a failure in
    indexing or linking removes the document again."""
    max_bytes = service.settings.max_file_bytes
    ctype = (file.content_type or "application/octet-stream").lower()
    if not ctype.startswith(TEXT_TYPES):
        from common.errors import BinaryInputError

        raise BinaryInputError(f"The file is {ctype}, not plain text.",
                               hint="Upload the document as a .txt file (text/plain).")
    data = file.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLargeError(f"The file is larger than this server's limit of {max_bytes} bytes.",
                            hint="Split it, or raise POLICYKG_MAX_FILE_BYTES.")
    filename = name or PurePath(file.filename or "").name
    if not filename:
        raise InputError("The upload has no file name.", hint="Send one, or the form field 'name'.")
    meta = None
    if any(v for v in (title, doc_number, date, level, region, issuer)):
        meta = Entry(file=filename, title=title or "", doc_number=doc_number or "", date=date or "",
                     level=level or "", region=region or "", issuer=issuer or "", source="upload")
    out = service.upload(data, filename=filename, meta=meta)
    out["iri"] = service.document_iri(out["document"])
    return JSONUTF8Response(out, status_code=201)


class RemoveResult(BaseModel):
    removed: str = Field(description="The removed document's id.")
    write_state: str = Field(description="The store's write state after the removal.")


@router.delete("/documents/{doc_id}", response_model=RemoveResult, responses=errors_doc(401, 403, 404, 503),
               summary="Remove a document")
def remove(service: ServiceDep, _key: ApiKeyDep,
           doc_id: Annotated[str, Path(examples=["2023-fangzhi-fuzhuang-yougongji-cushengji-huodong-tongzhi"])]
           ) -> Response:
    """Delete the document's named graph (and agencies no other document names). Needs the API key
    (`X-API-Key`). When it returns, search no longer finds the document's provisions; its links go
    at the next relink. To replace a text, remove it and upload the new one."""
    state = service.remove(doc_id)
    return JSONUTF8Response({"removed": doc_id, "write_state": state})
