"""``croissant.json``: MLCommons Croissant 1.0 metadata of a snapshot.

Every JSONL file is a ``cr:FileObject`` (with its sha256) and a
``cr:RecordSet`` named ``<task>/<split>`` whose fields extract the record's
columns, so Croissant readers (``mlcroissant``) can load any split.
"""

from __future__ import annotations

from genforge.core.version import __version__

LICENSE_URLS = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "mit": "https://opensource.org/licenses/MIT",
}

PROJECT_URL = "https://pypi.org/project/genforge/"

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: (name, Croissant data type, record column, JSONPath inside that column or None, description)
FIELDS = (
    ("id", "sc:Text", "id", None, "unique record id: <task>/<split>/<index>"),
    ("split", "sc:Text", "split", None, "split name"),
    ("instruction", "sc:Text", "instruction", None,
     "the rule or program the model must apply (null when the task has none)"),
    ("input", "sc:Text", "input", None, "the input string"),
    ("target", "sc:Text", "target", None, "the expected output, from the task's oracle"),
    ("domain", "sc:Text", "meta", "$.domain", "semantic domain of the example"),
    ("difficulty", "sc:Float", "meta", "$.difficulty", "difficulty in [0, 1], monotone in the complexity measures"),
)


def _source(file_id: str, column: str, json_path) -> dict:
    source = {"fileObject": {"@id": file_id}, "extract": {"column": column}}
    if json_path is not None:
        source["transform"] = {"jsonPath": json_path}
    return source


def croissant_metadata(suite: dict, canary: str, data_files: list[dict]) -> dict:
    """The JSON-LD document; ``data_files`` are the manifest entries of the JSONL files."""
    distribution = []
    record_sets = []
    files_per_split: dict = {}
    for entry in data_files:
        files_per_split[(entry["task"], entry["split"])] = files_per_split.get((entry["task"], entry["split"]), 0) + 1
    for entry in data_files:
        file_id = entry["path"]
        distribution.append({
            "@type": "cr:FileObject",
            "@id": file_id,
            "name": file_id,
            "description": f"{entry['records']} records of split {entry['split']} of task {entry['task']}",
            "contentUrl": file_id,
            "contentSize": f"{entry['bytes']} B",
            "encodingFormat": "application/jsonlines",
            "sha256": entry["sha256"],
        })
        set_id = f"{entry['task']}/{entry['split']}"
        if files_per_split[(entry["task"], entry["split"])] > 1:  # a sharded split: one record set per shard
            set_id = file_id.removesuffix(".jsonl")
        record_sets.append({
            "@type": "cr:RecordSet",
            "@id": set_id,
            "name": set_id,
            "description": f"split {entry['split']} of task {entry['task']}",
            "field": [
                {
                    "@type": "cr:Field",
                    "@id": f"{set_id}/{name}",
                    "name": name,
                    "description": description,
                    "dataType": data_type,
                    "source": _source(file_id, column, json_path),
                }
                for name, data_type, column, json_path, description in FIELDS
            ],
        })
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": suite["name"],
        "description": (suite["description"] or f"genforge suite {suite['name']}") + f" ({canary})",
        "license": LICENSE_URLS[suite["license"]],
        "url": suite["creator"].get("url", PROJECT_URL),
        "version": __version__,
        "datePublished": suite["date"],
        "creator": {"@type": "sc:Organization", "name": suite["creator"]["name"],
                    **({"url": suite["creator"]["url"]} if "url" in suite["creator"] else {})},
        "keywords": ["synthetic", "generalization", "out-of-distribution", "genforge"],
        "citeAs": CITATION,
        "isLiveDataset": False,
        "distribution": distribution,
        "recordSet": record_sets,
    }


CITATION = (
    "@software{genforge,\n"
    "  title = {genforge: synthetic benchmarks with controlled train/test splits for studying generalization},\n"
    "  author = {{genforge developers}},\n"
    f"  version = {{{__version__}}},\n"
    "  url = {https://pypi.org/project/genforge/}\n"
    "}"
)
