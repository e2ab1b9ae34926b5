/// `schemas/item.schema.json` as built into the tool, used when a project has no copy of its
/// own; the file in `schemas/` must be identical (a test checks).
public let builtInItemSchema = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://build-dataset.example/schemas/item.schema.json",
  "title": "Benchmark item",
  "description": "One record of a release JSONL file (and of every stage file under build/). Keys are sorted, text is NFC.",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "task", "subject", "language", "question", "choices", "answer", "choices_ordered",
               "cultural_sensitivity", "required_knowledge", "time_sensitive", "region", "country", "topic", "grade",
               "source", "flags", "review", "translation", "schema_version"],
  "properties": {
    "id": {"type": "string", "pattern": "^(ck|sv)-[0-9a-f]{16}$", "description": "Stable id from the source and the id it gives the item (the normalized question where it gives none); a reworded question keeps its id and gets a new review version."},
    "task": {"enum": ["social_value", "common_knowledge"], "description": "The release config the item belongs to (with the language, in a release with translations)."},
    "subject": {"type": "string", "minLength": 1, "description": "Subject from the source or pipeline file, e.g. korean_history or social_values."},
    "language": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]+)*$", "description": "BCP 47 language tag."},
    "question": {"type": "string", "minLength": 1, "description": "The question or statement, as the source has it."},
    "choices": {"type": "array", "items": {"type": "string"}, "description": "The choices in the order shown, named A, B, C, ..."},
    "answer": {"type": ["string", "null"], "pattern": "^[A-Z]{1,3}$", "description": "Letter of the correct choice (A to Z, then AA, AB, ... beyond 26 choices); for social_value items, of the modal answer."},
    "choices_ordered": {"type": "boolean", "description": "True for ordered scales (Likert), which are never permuted."},
    "cultural_sensitivity": {"enum": ["CS", "CA", "-"], "description": "Culturally sensitive, agnostic, or '-' when not annotated."},
    "required_knowledge": {"type": "array", "items": {"enum": ["cultural", "regional", "dialect", "none"]}, "description": "Knowledge the item needs, as the reviewers labelled it."},
    "time_sensitive": {"type": ["boolean", "null"], "description": "Whether the answer may change with time; null when not labelled."},
    "region": {"type": ["string", "null"], "description": "Region the item is about, where labelled."},
    "country": {"type": ["string", "null"], "description": "Country the item is about (ISO 3166 code), where labelled."},
    "topic": {"type": ["string", "null"], "description": "Topic within the subject, where the source gives one."},
    "grade": {"type": ["string", "null"], "description": "School grade or level the item is written for, where known."},
    "source": {
      "type": "object",
      "description": "Where the item comes from.",
      "additionalProperties": false,
      "required": ["kind", "source_id", "document", "element", "license", "revision", "position", "author", "passage", "fields"],
      "properties": {
        "kind": {"enum": ["survey", "cnxml", "authored", "glossary", "xhtml", "epub", "item_bank", "translation"], "description": "The kind of source read."},
        "source_id": {"type": "string", "description": "The source's id in the pipeline file."},
        "document": {"type": "string", "description": "The raw file, relative to the project directory."},
        "element": {"type": "string", "description": "The element id or question id inside the document."},
        "license": {"type": ["string", "null"], "description": "The source's licence (SPDX id)."},
        "revision": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the raw file read."},
        "position": {"type": ["integer", "null"], "minimum": 1, "description": "Place of the module in its collection's reading order."},
        "author": {"type": ["string", "null"], "description": "Who wrote the item, where the source says."},
        "passage": {"type": ["string", "null"], "description": "Id of the passage the item is read with, in the passages file."},
        "fields": {
          "type": "array",
          "description": "Fields of the source record an item bank's mapping keeps (mapping.keep).",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "value"],
            "properties": {"name": {"type": "string", "description": "The name the mapping gives it."}, "value": {"type": "string", "description": "The source's value, as text."}}
          }
        }
      }
    },
    "flags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true,
              "description": "e.g. needs_key, key_commented_out, generated, answer_longest."},
    "review": {
      "type": "object",
      "description": "The item's review outcome.",
      "additionalProperties": false,
      "required": ["status", "rounds", "version", "votes"],
      "properties": {
        "status": {"enum": ["unreviewed", "in_review", "approved", "rejected"], "description": "Where the item stands in review."},
        "rounds": {"type": "array", "items": {"type": "string"}, "description": "The rounds that settled the item, in order."},
        "version": {"type": "integer", "minimum": 1, "description": "The item's version in the review store; above 1 after a revision."},
        "votes": {
          "type": "array",
          "description": "Each reviewer's vote behind the item's round results, with the labels they gave.",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["round", "reviewer", "decision", "adjudication", "labels"],
            "properties": {
              "round": {"type": "string", "description": "The review round."},
              "reviewer": {"type": "string", "description": "The reviewer's id."},
              "decision": {"enum": ["approve", "reject", "revise"], "description": "The reviewer's decision."},
              "adjudication": {"type": "boolean", "description": "A lead's decision on a disagreement."},
              "labels": {
                "type": "array",
                "description": "The labels the reviewer gave.",
                "items": {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["name", "value"],
                  "properties": {"name": {"type": "string", "description": "The label, e.g. required_knowledge."}, "value": {"type": "string", "description": "Its value."}}
                }
              }
            }
          }
        }
      }
    },
    "survey": {"$ref": "#/$defs/survey"},
    "translation": {
      "type": ["object", "null"],
      "description": "On a translation of another item, the item it translates and how it was made; null on an item in its own language.",
      "additionalProperties": false,
      "required": ["group", "labels_from", "origin", "source_language", "system"],
      "properties": {
        "group": {"type": "string", "pattern": "^(ck|sv)-[0-9a-f]{16}$", "description": "The id of the item translated; the parallel group every translation of it shares."},
        "labels_from": {"enum": ["source", "own", null], "description": "source: the labels were given on the item translated and carried; own: a review round labelled this language."},
        "origin": {"enum": ["machine", "human", "post_edited"], "description": "How the text was made."},
        "source_language": {"type": "string", "description": "The language of the item translated."},
        "system": {"type": ["string", "null"], "description": "The machine translation system, where a machine took part."}
      }
    },
    "schema_version": {"const": "1.3.0", "description": "Version of this record format."}
  },
  "if": {"properties": {"task": {"const": "social_value"}}},
  "then": {"required": ["survey"]},
  "else": {"not": {"required": ["survey"]}},
  "$defs": {
    "share": {"type": "number", "minimum": 0, "maximum": 1},
    "survey": {
      "type": "object",
      "description": "Survey ground truth of a social-value item.",
      "additionalProperties": false,
      "required": ["distribution", "distribution_with_nonresponse", "nonresponse_options", "distribution_3", "scale_3", "choice_levels_3",
                   "n", "n_effective", "margin_of_error", "contested", "weighting"],
      "properties": {
        "distribution": {"type": "array", "items": {"$ref": "#/$defs/share"}, "description": "Weighted shares over the choices, don't know/refused excluded."},
        "distribution_with_nonresponse": {"type": "array", "items": {"$ref": "#/$defs/share"}, "description": "Weighted shares over the choices followed by nonresponse_options."},
        "nonresponse_options": {"type": "array", "items": {"type": "string"}, "description": "The don't know and refused options."},
        "distribution_3": {"type": ["array", "null"], "items": {"$ref": "#/$defs/share"}, "minItems": 3, "maxItems": 3, "description": "Weighted shares over scale_3, where the questionnaire collapses the scale."},
        "scale_3": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 3, "maxItems": 3, "description": "The 3 levels of the collapsed scale (disagree, neutral, agree)."},
        "choice_levels_3": {"type": ["array", "null"], "items": {"type": "integer", "minimum": 0, "maximum": 2}, "description": "For each choice, the index of its level in scale_3."},
        "n": {"type": "integer", "minimum": 0, "description": "Respondents with a substantive answer."},
        "n_effective": {"type": "number", "minimum": 0, "description": "Kish effective sample size of the weights."},
        "margin_of_error": {"type": "number", "minimum": 0, "description": "Half-width of the interval of the modal share, as a proportion."},
        "contested": {"type": "boolean", "description": "The modal answer leads the runner-up by no more than the margin of error."},
        "weighting": {"type": "string", "description": "e.g. raking(region,age,gender) or unweighted."}
      }
    }
  }
}

"""#
