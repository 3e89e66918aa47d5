import DroprunKit
