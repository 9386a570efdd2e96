/** The checkout's root (the directory above bin/). */
export declare const ROOT: string;
/** dist/BUILT under `root`: its mtime is when the build finished. */
export declare function builtStamp(root?: string): string;
/** dist/ was built and nothing in src/, migrations/ or bench/ changed since. */
export declare function freshBuild(root?: string): boolean;
