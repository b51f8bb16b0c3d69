// Types of space-hosts.mjs (Space hosts answered by local stand-ins).
export declare function spaceHostsFetch(hosts: Record<string, string>, base?: () => typeof fetch): typeof fetch;
