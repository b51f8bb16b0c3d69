// Preload: the page's only window onto native things; for now only the platform, so the page can adapt.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('collabDesk', { platform: process.platform });
