/**
 * The rules of a system's labels, shared by the API's schemas and the dashboard's forms, so that
 * what the create dialog accepts is what the API stores.
 */

/** A label key: letters, digits and `_.-/`, 1 to 63 of them (a regular expression's source, without anchors). */
export const LABEL_KEY = '[A-Za-z0-9_.\\-/]{1,63}';
/** The most labels a system holds. */
export const MAX_LABELS = 64;
/** The longest label value, in characters. */
export const MAX_LABEL_VALUE_LENGTH = 255;
