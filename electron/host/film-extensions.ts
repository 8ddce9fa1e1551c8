/** File name endings the open dialog offers and the browser-mode listing shows. */
export const FILM_EXTENSIONS = new Set([
  '.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.m2ts', '.mts', '.wmv', '.flv', '.ogv', '.3gp', '.dv', '.mxf', '.vob',
]);
