import { useCallback, useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import type { AppInfo } from '../../../electron/common/protocol.js';
import type { HintsDocument } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';
import { baseName, dirName } from '../film/format.js';
import { rememberColour } from './colours.js';
import { frameTime } from './shots.js';
import { loadRecentColours, saveRecentColours, useFilmPins } from './use-pins.js';

export interface PinEditingInput {
  client: EngineClient;
  /** The open film (null when none is open). */
  film: string | null;
  appInfo: AppInfo | null;
  playhead: number;
  fps: number;
  /** Says what went wrong (a notice that stays). */
  report(message: string): void;
  /** Says that something went as asked (a notice that goes away). */
  inform(message: string): void;
}

export interface PinEditing {
  /** The film's pins as they are now (empty while they load). */
  doc: HintsDocument;
  /** Counts the person's changes (not loads): the preview refreshes when it moves. */
  version: number;
  /** Where the pins are kept, said plainly (null when there are none). */
  savedNote: string | null;
  /** The pin tool is on: a click on the picture puts a pin there. */
  tool: boolean;
  setTool: Dispatch<SetStateAction<boolean>>;
  toggleTool(): void;
  /** The chosen pin (its index), if any. */
  selected: number | null;
  select: Dispatch<SetStateAction<number | null>>;
  /** Colours pinned most recently, newest first. */
  recentColours: string[];
  /** Puts a pin at the playhead and chooses it. */
  add(x: number, y: number, color: string): void;
  change(index: number, change: { x?: number; y?: number; color?: string }): void;
  remove(index: number): void;
  /** Removes every pin of the film. */
  clear(): void;
  /** Takes back the last change (`again`: makes it again); false when there was none. */
  undo(again: boolean): boolean;
  /** Removes the chosen pin; false when none is chosen. */
  deleteSelected(): boolean;
  /** Leaves the pin tool and the chosen pin; false when neither is on. */
  dismiss(): boolean;
  /** Where a hints file is suggested to go ('' with no film). */
  suggestedPath: string;
  /** Adds the pins of a hints file (typed, or chosen in a dialog when undefined) to the film's. */
  importFile(typed?: string): Promise<void>;
  /** Writes the film's pins to a hints file (typed, or chosen in a dialog when undefined). */
  exportFile(typed?: string, overwrite?: boolean): Promise<void>;
}

/**
 * Editing the open film's colour pins: the pin tool, the chosen pin, adding, changing and removing
 * pins, undo and redo, the colours used lately, and importing and exporting hints files.
 */
export function usePinEditing({ client, film, appInfo, playhead, fps, report, inform }: PinEditingInput): PinEditing {
  const [pinTool, setPinTool] = useState(false);
  const [selectedPin, setSelectedPin] = useState<number | null>(null);
  const [recentColours, setRecentColours] = useState<string[]>(loadRecentColours);

  const filmPins = useFilmPins(client, film, report);
  const pinsDoc = filmPins.doc;
  useEffect(() => setSelectedPin(null), [film]);

  const { update: updatePins, replace: replacePins, undo: undoPins, redo: redoPins } = filmPins;
  const addPin = useCallback(
    (x: number, y: number, color: string) => {
      updatePins((pins) => {
        setSelectedPin(pins.length);
        return [...pins, { t: frameTime(playhead, fps), x, y, color }];
      });
      setRecentColours((recent) => {
        const next = rememberColour(recent, color);
        saveRecentColours(next);
        return next;
      });
    },
    [updatePins, playhead, fps],
  );
  const changePin = useCallback(
    (index: number, change: { x?: number; y?: number; color?: string }) => {
      updatePins((pins) => pins.map((pin, at) => (at === index ? { ...pin, ...change } : pin)));
      const color = change.color;
      if (color) {
        setRecentColours((recent) => {
          const next = rememberColour(recent, color);
          saveRecentColours(next);
          return next;
        });
      }
    },
    [updatePins],
  );
  const deletePin = useCallback(
    (index: number) => {
      updatePins((pins) => pins.filter((_, at) => at !== index));
      setSelectedPin(null);
    },
    [updatePins],
  );
  const clearPins = useCallback(() => {
    updatePins(() => []);
    setSelectedPin(null);
  }, [updatePins]);
  const toggleTool = useCallback(() => setPinTool((on) => !on), []);
  const undo = useCallback(
    (again: boolean) => {
      if (!(again ? redoPins() : undoPins())) return false;
      setSelectedPin(null);
      return true;
    },
    [undoPins, redoPins],
  );
  const deleteSelected = useCallback(() => {
    if (selectedPin === null) return false;
    deletePin(selectedPin);
    return true;
  }, [selectedPin, deletePin]);
  const dismiss = useCallback(() => {
    if (!pinTool && selectedPin === null) return false;
    setPinTool(false);
    setSelectedPin(null);
    return true;
  }, [pinTool, selectedPin]);

  const pinsFileSuggestion = film
    ? `${appInfo?.host === 'browser' ? (appInfo.defaultOutputDir ?? dirName(film)) : dirName(film)}/${baseName(film).replace(/\.[^.]+$/, '')}.pins.json`
    : '';
  const importPins = useCallback(
    async (typed?: string) => {
      try {
        const file = typed ?? (await client.pins.chooseFile());
        if (file === null) return;
        if (!file) {
          report('Type the path of a hints file (.json) to import.');
          return;
        }
        const imported = await client.pins.import(file);
        const key = (pin: { t?: number; x: number; y: number; color: string }) => `${pin.t ?? 0}|${pin.x}|${pin.y}|${pin.color}`;
        const known = new Set(pinsDoc.pins.map(key));
        const added = imported.pins.filter((pin) => !known.has(key(pin)));
        replacePins({ version: 1, pins: [...pinsDoc.pins, ...added] });
        inform(
          `Imported ${added.length === 1 ? '1 pin' : `${added.length} pins`} from ${baseName(file)}${added.length < imported.pins.length ? ` (${imported.pins.length - added.length} already here)` : ''}.`,
        );
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      }
    },
    [client, pinsDoc, replacePins, report, inform],
  );
  const exportPins = useCallback(
    async (typed?: string, overwrite?: boolean) => {
      try {
        let file = typed;
        let replace = overwrite ?? false;
        if (file === undefined) {
          const chosen = await client.pins.chooseOutput(pinsFileSuggestion);
          if (!chosen) return;
          file = chosen;
          replace = true; // the save dialog asked before replacing a file
        }
        if (!file) {
          report('Type where the hints file (.json) should be saved.');
          return;
        }
        const written = await client.pins.export(file, pinsDoc, replace);
        inform(`Exported ${pinsDoc.pins.length === 1 ? '1 pin' : `${pinsDoc.pins.length} pins`} to ${written}.`);
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      }
    },
    [client, pinsDoc, pinsFileSuggestion, report, inform],
  );

  return {
    doc: pinsDoc,
    version: filmPins.version,
    savedNote:
      pinsDoc.pins.length === 0
        ? null
        : filmPins.saved
          ? 'Kept with this film in ChromaReel’s own data (not beside the film).'
          : 'Keeping…',
    tool: pinTool,
    setTool: setPinTool,
    toggleTool,
    selected: selectedPin,
    select: setSelectedPin,
    recentColours,
    add: addPin,
    change: changePin,
    remove: deletePin,
    clear: clearPins,
    undo,
    deleteSelected,
    dismiss,
    suggestedPath: pinsFileSuggestion,
    importFile: importPins,
    exportFile: exportPins,
  };
}
